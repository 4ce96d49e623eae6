"""The Generate tab: models and sampling rules, the streamed text, and the views behind it."""

EN = {
    "tab.generate": "Generate",
    "generate.intro": "A language model writes one **token** at a time: it gives every token of its vocabulary a "
                      "score, turns the scores into probabilities, and picks one. Watch the text stream, then look "
                      "behind it: **Next token** shows the candidates and how temperature, top-k and top-p reshape "
                      "them; **Attention** shows what each token looked at; **Tokens** shows how the text was cut up.",
    "field.text_model": "Model",
    "help.text_model": "GPT-2 (124 M weights, English), DistilGPT2 (82 M, a smaller copy trained to imitate it) or a "
                       "GPT-2 trained on Chinese text (one token per character). A tiny GPT you pretrain in this "
                       "session joins the list as “trained here” (one token per character too).",
    "gmodel.trained": "trained here: {id} ({learned} · {parameters} parameters)",
    "gmodel.arithmetic": "arithmetic {ops} on {digits}-digit numbers",
    "gmodel.text": "text, {chars} characters",
    "field.precision": "Precision",
    "help.precision": "fp32: 32-bit weights. int8: the weight matrices stored as 8-bit integers (dynamic "
                      "quantization): about half the size and several times faster on a CPU, with slightly "
                      "different probabilities.",
    "precision.fp32": "fp32 (32-bit float)", "precision.int8": "int8 (quantized)",
    "field.strategy": "Strategy",
    "help.strategy": "Greedy: always the most likely token (it often loops). Sample: a random draw from the "
                     "probabilities. Beam: keep the best few sequences, return the best one at the end.",
    "strategy.greedy": "greedy", "strategy.sample": "sample", "strategy.beam": "beam search",
    "field.max_new_tokens": "Max new tokens",
    "help.generate_seed": "Sampling is random but seeded: same seed, same text.",
    "generate.sampling_head": "**Sampling**: how the probabilities are reshaped before the draw (the chart shows it).",
    "field.temperature": "Temperature",
    "help.temperature": "Divides the scores: below 1 sharpens the distribution (safer), above 1 flattens it (wilder).",
    "field.top_k": "Top-k",
    "help.top_k": "Keep only the k most likely tokens (0: all).",
    "field.top_p": "Top-p",
    "help.top_p": "Keep the most likely tokens until their probability adds up to p (1: all).",
    "field.beams": "Beams",
    "help.beams": "For beam search: how many sequences are kept at each step.",
    "field.repetition_penalty": "Repetition penalty",
    "help.repetition_penalty": "Above 1 makes tokens already in the text less likely.",
    "field.no_repeat_n_gram_size": "No-repeat n-gram size",
    "help.no_repeat": "Never repeat a run of this many tokens (0: off).",
    "field.prompt": "Prompt",
    "help.prompt": "Write the beginning of a text; the model continues it.",
    "field.text": "Text",
    "generate.examples": "Example prompts",
    "btn.generate": "Generate",
    "field.continuation": "Continuation",
    "generate.ready": "Write a prompt and press **Generate**. The chart below already shows what the model "
                      "expects next.",
    "generate.loading": "Loading **{model}** ({precision})… the first time can take a while.",
    "generate.beam_running": "Beam search with {beams} beams: the text appears when the best sequence is known.",
    "generate.progress": "Writing… **{n}** tokens · {speed} tokens/s",
    "generate.done": "**Done**: {n} new tokens · first token after {ttft} s · {speed} tokens/s · {model} "
                     "({source}) · {device} · {precision}",
    "generate.stopped": "**Stopped** after {n} new tokens · first token after {ttft} s · {speed} tokens/s · "
                        "{model} ({source}) · {device} · {precision}",
    "generate.beam_note": "Beam search returns its text when it has finished. Each token's probabilities are "
                          "the ones the search scored along the sequence it chose (with the repetition penalty; "
                          "beam search has no temperature).",
    "generate.window_slides": "This model reads {context} characters at a time: as it writes on, it reads only the "
                              "most recent {context}.",
    "generate.truncated": "The prompt has {tokens} tokens, more than fit beside the new ones: the model read the "
                          "last {kept}.",
    "generate.no_token_left": "The rules left no token to choose (every one would repeat an n-gram): the run "
                              "ends here.",
    "generate.stopping": "Stopping after the current token…",
    "generate.nothing_running": "Nothing is generating in this session.",
    "source.local": "local directory", "source.cache": "Hugging Face cache", "source.downloaded": "downloaded",
    "source.trained": "trained in this session",
    "sub.next_token": "Next token", "sub.attention": "Attention", "sub.tokens": "Tokens",
    "sub.compare": "Side by side", "sub.code": "Code",
    "next.intro": "Bars: each candidate's probability after temperature; grey ones are cut by top-k or top-p, and "
                  "the orange bars are the survivors' probabilities renormalised, which sampling draws from. "
                  "After a run, pick any generated token to see the distribution it was chosen from. Greedy and "
                  "beam search ignore top-k and top-p: the cut shows what sampling would keep.",
    "field.token_picker": "Distribution of",
    "next.after_prompt": "the next token after the prompt (live)",
    "next.title_prompt": "After the prompt",
    "next.title_token": "Token {i}: {token}",
    "next.live": "{kept} of the {n} most likely tokens survive top-k and top-p.",
    "next.from_run": "As recorded during the last run (its settings, not the current ones).",
    "plot.next_token": "Next-token probabilities",
    "plot.probability": "probability (after temperature)", "plot.renormalized": "after top-k / top-p, renormalised",
    "plot.cut": "cut", "plot.chosen": "chosen", "plot.rank": "rank", "plot.query": "token (looking)",
    "plot.key": "token (looked at)", "plot.weight": "attention", "plot.layer": "layer", "plot.head": "head",
    "attention.intro": "Each row is a token; its cells show how much it looked at each earlier token (a row "
                       "adds up to 1). Weights as the model returns them (`output_attentions`), over the prompt "
                       "and the last continuation. Different heads learn different habits: try several.",
    "field.layer": "Layer", "field.head": "Head",
    "plot.attention": "Attention weights",
    "attention.status": "{n} tokens · this model has {layers} layers of {heads} heads.",
    "attention.truncated": "Only the first {max} tokens are shown.",
    "tokens.counts": "**{prompt}** prompt tokens, **{output}** new tokens · the prompt has {chars} characters, "
                     "{per} characters per token.",
    "tokens.bpe": "GPT-2 cuts text into byte-level BPE tokens: frequent English words are one token, often with "
                  "their leading space (␣). A Chinese character is two or three bytes in UTF-8 and usually "
                  "needs that many tokens, shown as `<e6 b7 b1>`; the streamed text shows only whole characters. "
                  "A model trained here reads one character per token instead, a Chinese character too.",
    "tokens.char": "This model reads Chinese one character per token, after a [CLS] token that opens every "
                   "text; [SEP] ends it. Latin words are cut into WordPiece parts (##).",
    "tokens.trained": "A model trained here reads one character per token, in any language, a Chinese character "
                      "too: its vocabulary is the characters of the text it learned from, and one it never saw is "
                      "`<unk>` (written as �). An arithmetic model reads a problem after a newline and writes the "
                      "answer backwards, ones digit first; the newline after it ends the run.",
    "compare.intro": "One prompt, two or three strategies at once, with the settings on the left: greedy tends to "
                     "loop, sampling varies, beam search plays it safe.",
    "field.strategies": "Strategies",
    "btn.compare": "Compare",
    "compare.running": "Writing side by side…",
    "compare.line": "**{strategy}**: {n} tokens, {distinct} different · {speed} tokens/s",
    "help.generate_code": "The few lines of transformers and PyTorch that repeat the last run: the same model, "
                          "prompt, rules and seed give the same text.",
    "generate.code_none": "# Generate something first: the code that repeats it appears here.",
    "generate.code_trained": "# {model} was trained on this page: transformers cannot load it, so there is no code to "
                             "show here.\n# It ran through the same decode loop as GPT-2 (core/generate.py in DL Lab). "
                             "Export it where you trained it to keep it.",
}

ZH = {
    "tab.generate": "文本生成",
    "generate.intro": "语言模型一次写一个**词元**（token）：它给词表中的每个词元打分，把分数变成概率，再选出一个。"
                      "先看文字一点点生成，再看背后发生了什么：**下一个词元**展示候选词元，以及温度、top-k 和 top-p "
                      "如何改变它们；**注意力**展示每个词元关注了哪些词元；**词元**展示文本是怎样被切分的。",
    "field.text_model": "模型",
    "help.text_model": "GPT-2（1.24 亿个权重，英文）、DistilGPT2（8200 万个，模仿 GPT-2 训练出的小模型），"
                       "或在中文文本上训练的 GPT-2（每个汉字一个词元）。本会话中预训练的小 GPT 也会出现在列表里，"
                       "标为“本会话训练”（同样每个字符一个词元）。",
    "gmodel.trained": "本会话训练：{id}（{learned} · {parameters} 个参数）",
    "gmodel.arithmetic": "算术 {ops}，{digits} 位数",
    "gmodel.text": "文本，{chars} 种字符",
    "field.precision": "精度",
    "help.precision": "fp32：32 位浮点权重。int8：权重矩阵以 8 位整数存储（动态量化）：大小约减半，在 CPU 上快好几倍，"
                      "概率略有不同。",
    "precision.fp32": "fp32（32 位浮点）", "precision.int8": "int8（量化）",
    "field.strategy": "解码策略",
    "help.strategy": "贪心：总是选最可能的词元（常常陷入重复）。采样：按概率随机抽取。束搜索：每步保留几条最好的序列，"
                     "最后返回最好的一条。",
    "strategy.greedy": "贪心", "strategy.sample": "采样", "strategy.beam": "束搜索",
    "field.max_new_tokens": "最大新词元数",
    "help.generate_seed": "采样是随机的，但有种子：同样的种子，同样的文本。",
    "generate.sampling_head": "**采样**：抽取之前如何调整概率（下方的图会展示）。",
    "field.temperature": "温度",
    "help.temperature": "分数除以温度：小于 1 让分布更尖锐（更稳妥），大于 1 让分布更平坦（更随意）。",
    "field.top_k": "Top-k 截断",
    "help.top_k": "只保留最可能的 k 个词元（0：全部保留）。",
    "field.top_p": "Top-p 截断",
    "help.top_p": "按概率从高到低保留词元，直到它们的概率之和达到 p（1：全部保留）。",
    "field.beams": "束数",
    "help.beams": "束搜索时每一步保留多少条序列。",
    "field.repetition_penalty": "重复惩罚",
    "help.repetition_penalty": "大于 1 时，文本中已出现的词元变得不太可能再出现。",
    "field.no_repeat_n_gram_size": "禁止重复的 n 元组长度",
    "help.no_repeat": "永远不重复这么长的一串词元（0：关闭）。",
    "field.prompt": "提示词",
    "help.prompt": "写下一段文字的开头，模型会接着写下去。",
    "field.text": "文本",
    "generate.examples": "示例提示词",
    "btn.generate": "生成",
    "field.continuation": "续写",
    "generate.ready": "写一个提示词，然后按**生成**。下方的图已经显示了模型预期的下一个词元。",
    "generate.loading": "正在加载 **{model}**（{precision}）……第一次可能需要一些时间。",
    "generate.beam_running": "{beams} 条束的束搜索：找到最好的序列后文字才会出现。",
    "generate.progress": "正在生成……**{n}** 个词元 · 每秒 {speed} 个词元",
    "generate.done": "**完成**：{n} 个新词元 · 第一个词元用时 {ttft} 秒 · 每秒 {speed} 个词元 · {model}（{source}）· "
                     "{device} · {precision}",
    "generate.stopped": "**已停止**：{n} 个新词元 · 第一个词元用时 {ttft} 秒 · 每秒 {speed} 个词元 · {model}（{source}）· "
                        "{device} · {precision}",
    "generate.beam_note": "束搜索在结束后才返回文本。每个词元的概率是搜索沿着它选中的序列所用的概率（含重复惩罚；束搜索没有温度）。",
    "generate.window_slides": "这个模型一次只读 {context} 个字符：它一边往下写，一边只读最近的 {context} 个。",
    "generate.truncated": "提示词有 {tokens} 个词元，加上新词元放不下：模型读的是最后 {kept} 个。",
    "generate.no_token_left": "规则没有留下任何可选的词元（每一个都会重复某个 n 元组）：生成到此结束。",
    "generate.stopping": "当前词元生成后停止……",
    "generate.nothing_running": "这个会话中没有正在进行的生成。",
    "source.local": "本地目录", "source.cache": "Hugging Face 缓存", "source.downloaded": "刚下载",
    "source.trained": "本会话训练",
    "sub.next_token": "下一个词元", "sub.attention": "注意力", "sub.tokens": "词元",
    "sub.compare": "并排比较", "sub.code": "代码",
    "next.intro": "柱子：每个候选词元经过温度调整后的概率；灰色的被 top-k 或 top-p 截掉，橙色柱子是剩下的词元重新归一化后的概率，"
                  "采样就从中抽取。生成之后，可以选任意一个生成的词元，查看它是从怎样的分布中选出来的。贪心和束搜索"
                  "不使用 top-k 和 top-p：截断只表示采样时会保留哪些词元。",
    "field.token_picker": "查看分布",
    "next.after_prompt": "提示词之后的下一个词元（实时）",
    "next.title_prompt": "提示词之后",
    "next.title_token": "第 {i} 个词元：{token}",
    "next.live": "最可能的 {n} 个词元中有 {kept} 个通过了 top-k 和 top-p。",
    "next.from_run": "这是上一次生成时记录的分布（用的是当时的设置，而不是现在的）。",
    "plot.next_token": "下一个词元的概率",
    "plot.probability": "概率（经过温度调整）", "plot.renormalized": "top-k / top-p 之后重新归一化",
    "plot.cut": "被截掉", "plot.chosen": "选中", "plot.rank": "排名", "plot.query": "词元（在看）",
    "plot.key": "词元（被看）", "plot.weight": "注意力", "plot.layer": "层", "plot.head": "头",
    "attention.intro": "每一行是一个词元；格子表示它对前面每个词元的关注程度（每行加起来为 1）。权重由模型直接返回"
                       "（`output_attentions`），覆盖提示词和上一次的续写。不同的注意力头学到不同的习惯：多试几个。",
    "field.layer": "层", "field.head": "注意力头",
    "plot.attention": "注意力权重",
    "attention.status": "{n} 个词元 · 这个模型有 {layers} 层，每层 {heads} 个头。",
    "attention.truncated": "只显示前 {max} 个词元。",
    "tokens.counts": "提示词 **{prompt}** 个词元，新生成 **{output}** 个词元 · 提示词有 {chars} 个字符，"
                     "平均每个词元 {per} 个字符。",
    "tokens.bpe": "GPT-2 把文本切成字节级 BPE 词元：常见的英文单词是一个词元，往往带着前面的空格（␣）。一个汉字在 UTF-8 中"
                  "占两三个字节，通常也需要这么多个词元，显示为 `<e6 b7 b1>`；流式输出的文字只显示完整的汉字。"
                  "在这里训练的模型则每个字符一个词元，汉字也是一个字一个词元。",
    "tokens.char": "这个模型读中文时每个汉字一个词元，每段文本以 [CLS] 开头、以 [SEP] 结尾。拉丁字母的单词被切成 WordPiece 片段（##）。",
    "tokens.trained": "在这里训练的模型每个字符一个词元，不论哪种语言，汉字也一样：它的词表就是它学过的文本里出现的字符，"
                      "没见过的字符是 `<unk>`（写出来是 �）。算术模型在换行之后读题，答案倒着写，个位在前；"
                      "答案后面的换行表示结束。",
    "compare.intro": "同一个提示词，同时用两三种策略生成，使用左边的设置：贪心容易重复，采样变化多，束搜索比较保守。",
    "field.strategies": "策略",
    "btn.compare": "比较",
    "compare.running": "正在并排生成……",
    "compare.line": "**{strategy}**：{n} 个词元，其中 {distinct} 个不同 · 每秒 {speed} 个词元",
    "help.generate_code": "重复上一次生成的几行 transformers 和 PyTorch 代码：同样的模型、提示词、规则和种子，得到同样的文本。",
    "generate.code_none": "# 先生成一段文字：重复它的代码会显示在这里。",
    "generate.code_trained": "# {model} 是在本页训练的模型：transformers 无法加载它，所以这里没有代码。\n"
                             "# 它和 GPT-2 用的是同一个解码循环（DL Lab 的 core/generate.py）。想保留它，请在训练它的地方导出。",
}
