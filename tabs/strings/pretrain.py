"""The Pretrain tab: a tiny GPT trained and fine-tuned in the page."""

EN = {
    "tab.pretrain": "Pretrain",
    "pretrain.intro": "Train a small GPT from scratch, right here on the CPU, and watch it learn: first it writes "
                      "noise, then characters, then answers. **Arithmetic** teaches it sums like `37+48=`: the answer "
                      "is written with its digits reversed and zero-padded (`85` as `580`), the order a model that "
                      "writes left to right can compute it in, carry by carry. **Your text** teaches it to write "
                      "like the text you give it, one character per token (Chinese too). Then **fine-tune** it on "
                      "something new and see, beside a model trained from scratch on the same data, what "
                      "pre-training was worth. A trained model appears in the Generate tab's model list.",
    "field.pretrain_corpus": "Corpus",
    "pcorpus.arithmetic": "Arithmetic", "pcorpus.text": "Your text",
    "field.digits": "Digits per number",
    "field.ops": "Operations",
    "field.pretrain_text": "Text to learn from",
    "help.pretrain_text": "Paste some writing (at least ten contexts long), or upload a .txt file below.",
    "field.pretrain_file": "…or a .txt file (UTF-8)",
    "field.n_layer": "Layers", "field.n_head": "Attention heads", "field.n_embd": "Width",
    "field.block_size": "Context length", "field.pretrain_dropout": "Dropout",
    "field.pretrain_lr": "Learning rate", "field.warmup": "Warm-up steps", "field.pretrain_batch": "Batch size",
    "field.pretrain_steps": "Steps", "field.pretrain_seed": "Seed",
    "field.init_from": "Fine-tune from",
    "help.init_from": "Start from a model trained in this session (it keeps its shape and characters), with a "
                      "model trained from scratch on the same batches beside it.",
    "pretrain.from_scratch": "nothing: train from scratch",
    "acc.model_shape": "Model and training",
    "pretrain.size": "**{params}** parameters · {layers} layer(s) × {heads} head(s) × width {width} · context {block}",
    "btn.pretrain": "Pretrain", "btn.pretrain_export": "Export model (zip)", "btn.pretrain_tensorboard": "TensorBoard log",
    "pretrain.ready": "Choose a corpus and press **Pretrain**: the default learns 2-digit addition in about a minute.",
    "pretrain.running": "Step {step} of {steps} · train loss {loss} · {tps} tokens/s",
    "pretrain.done": "**Done**: {model} learned for {steps} steps in {seconds} s ({tps} tokens/s): validation loss "
                     "{val}{match}. It is in the Generate tab's model list now.",
    "pretrain.stopped": "**Stopped** at step {steps} ({seconds} s): the model so far is kept as {model}.",
    "pretrain.match": ", exact match {match} on held-out problems",
    "pretrain.compare": "Fine-tuned against from scratch: to reach {target}, the fine-tuned model needed {tuned} "
                        "steps and the one from scratch {scratch}.",
    "pretrain.not_reached": "not reached",
    "pretrain.missing": "The base model lacks {n} character(s) of this corpus ({chars}): they read as <unk>.",
    "pretrain.target_exact_match": "90 % exact match", "pretrain.target_val_loss": "validation loss {value}",
    "pretrain.stopping": "Stopping after the current step…",
    "pretrain.nothing_running": "Nothing is being pretrained in this session.",
    "field.pretrain_samples": "Samples as it learns (newest first)",
    "plot.pretrain_curves": "Learning curves",
    "field.pretrain_files": "Downloads",
    "pretrain.tensorboard": "A TensorBoard log of {model}: unzip it and run `{command}` there, then open "
                            "http://localhost:6006.",
    "pretrain.exported": "{model} as safetensors weights, its config and its vocabulary: upload the zip back below "
                         "to use it again.",
    "field.pretrain_import": "Load an exported model (zip)",
    "pretrain.imported": "Loaded {model} ({params} parameters): it is in the Generate tab's model list and can be "
                         "fine-tuned.",
    "plot.step": "step", "plot.ploss": "cross-entropy (nats per character)", "plot.ptrain": "train",
    "plot.pvalidation": "validation", "plot.scratch_train": "from scratch: train",
    "plot.scratch_validation": "from scratch: validation", "plot.exact_match": "exact match on held-out problems",
    "plot.floor": "lowest possible loss", "plot.paccuracy": "exact match",
}

ZH = {
    "tab.pretrain": "预训练",
    "pretrain.intro": "就在这台 CPU 上从零训练一个小型 GPT，看着它学习：一开始它只写出噪声，然后是字符，再然后是答案。"
                      "**算术**教它做 `37+48=` 这样的加法：答案的数字倒着写并补零（`85` 写成 `580`），这正是一个从左往右"
                      "写字的模型能一位一位进位算出来的顺序。**你的文本**教它模仿你给的文字来写作，每个字符一个词元"
                      "（中文也一样）。然后在新内容上**微调**它，和一个在同样数据上从零训练的模型并排比较，"
                      "看看预训练到底值多少。训练好的模型会出现在「生成」标签页的模型列表里。",
    "field.pretrain_corpus": "语料",
    "pcorpus.arithmetic": "算术", "pcorpus.text": "你的文本",
    "field.digits": "每个数的位数",
    "field.ops": "运算",
    "field.pretrain_text": "用来学习的文本",
    "help.pretrain_text": "粘贴一段文字（至少十个上下文长度），或者在下面上传一个 .txt 文件。",
    "field.pretrain_file": "……或者一个 .txt 文件（UTF-8）",
    "field.n_layer": "层数", "field.n_head": "注意力头数", "field.n_embd": "宽度",
    "field.block_size": "上下文（字符数）", "field.pretrain_dropout": "Dropout 比例",
    "field.pretrain_lr": "学习率", "field.warmup": "预热步数", "field.pretrain_batch": "批大小",
    "field.pretrain_steps": "步数", "field.pretrain_seed": "随机种子",
    "field.init_from": "从这个模型微调",
    "help.init_from": "从本会话中训练过的模型出发（保留它的结构和字符表），同时在同样的批次上从零训练一个模型作对照。",
    "pretrain.from_scratch": "不微调：从零训练",
    "acc.model_shape": "模型与训练",
    "pretrain.size": "**{params}** 个参数 · {layers} 层 × {heads} 个头 × 宽度 {width} · 上下文 {block}",
    "btn.pretrain": "开始预训练", "btn.pretrain_export": "导出模型（zip）", "btn.pretrain_tensorboard": "TensorBoard 日志",
    "pretrain.ready": "选择语料，然后按**开始预训练**：默认设置大约一分钟就能学会两位数加法。",
    "pretrain.running": "第 {step} / {steps} 步 · 训练损失 {loss} · 每秒 {tps} 个词元",
    "pretrain.done": "**完成**：{model} 学习了 {steps} 步，用时 {seconds} 秒（每秒 {tps} 个词元）：验证损失 {val}{match}。"
                     "它现在已经在「生成」标签页的模型列表里了。",
    "pretrain.stopped": "**已停止**，停在第 {steps} 步（{seconds} 秒）：目前的模型已保存为 {model}。",
    "pretrain.match": "，留出题目上的完全正确率 {match}",
    "pretrain.compare": "微调与从零训练对比：达到{target}，微调的模型用了 {tuned} 步，从零训练的模型用了 {scratch} 步。",
    "pretrain.not_reached": "没有达到",
    "pretrain.missing": "基础模型缺少这份语料中的 {n} 个字符（{chars}）：它们会被读作 <unk>。",
    "pretrain.target_exact_match": " 90% 的完全正确率", "pretrain.target_val_loss": "验证损失 {value}",
    "pretrain.stopping": "当前这一步完成后停止……",
    "pretrain.nothing_running": "本会话中没有正在进行的预训练。",
    "field.pretrain_samples": "学习过程中的样本（最新的在前）",
    "plot.pretrain_curves": "学习曲线",
    "field.pretrain_files": "下载",
    "pretrain.tensorboard": "{model} 的 TensorBoard 日志：解压后在那里运行 `{command}`，然后打开 http://localhost:6006 查看。",
    "pretrain.exported": "{model} 的 safetensors 权重、配置和字符表：以后可以在下面把这个 zip 上传回来继续使用。",
    "field.pretrain_import": "载入导出的模型（zip）",
    "pretrain.imported": "已载入 {model}（{params} 个参数）：它已出现在「生成」标签页的模型列表里，也可以用来微调。",
    "plot.step": "步数", "plot.ploss": "交叉熵（每个字符的奈特数）", "plot.ptrain": "训练",
    "plot.pvalidation": "验证", "plot.scratch_train": "从零训练：训练",
    "plot.scratch_validation": "从零训练：验证", "plot.exact_match": "留出题目上的完全正确率",
    "plot.floor": "可能的最低损失", "plot.paccuracy": "完全正确率",
}
