"""The Quantize tab: models, methods, the measurements and the views behind them."""

EN = {
    "tab.quantize": "Quantize",
    "quantize.intro": "Make a model smaller and faster by storing its weights in fewer bits, and see what it costs. "
                      "Pick a model (your own from the Train tab, or a built-in one) and some methods: DL Lab saves "
                      "each result and weighs the file, times it at one thread and at all threads in a separate "
                      "process, and checks how many predictions change. Not every method helps every model: the "
                      "page says where and why.",
    "field.quantize_model": "Model",
    "help.quantize_model": "Your runs keep their weights while they are among the newest three. The built-in models "
                           "train for a few seconds the first time they are chosen; GPT-2 and wav2vec2 use random "
                           "weights when theirs are not on this machine (size and speed are the same).",
    "qmodel.trained": "Your newest trained run",
    "qmodel.run": "Your run {label}",
    "qmodel.mlp": "Tutorial MLP 10-64-64-2",
    "qmodel.mlp_mnist": "MNIST-sized MLP 784-512-512-10",
    "qmodel.lstm": "LSTM classifier (2 × 512)",
    "qmodel.lstm_lm": "Word language model (33,278 words, LSTM)",
    "qmodel.gpt2": "GPT-2 small (124 M)",
    "qmodel.wav2vec2": "wav2vec2-base (95 M)",
    "field.quantize_methods": "Methods",
    "help.quantize_methods": "int8 stores each weight in 8 bits (4× smaller at most), fp16/bf16 in 16 (2×). Dynamic "
                             "int8 also computes in int8; weight-only int8 converts the weights back before "
                             "multiplying.",
    "qmethod.dynamic_int8": "int8 dynamic (PyTorch)",
    "qmethod.dynamic_int8_naive": "int8 dynamic, naive (GPT-2's Conv1D left as is)",
    "qmethod.fp16": "fp16 weights",
    "qmethod.bf16": "bf16 weights",
    "qmethod.torchao_int8_weight": "int8 weight-only (torchao)",
    "qmethod.torchao_int8_dynamic": "int8 weights and activations (torchao)",
    "qmethod.torchao_int4_weight": "int4 weight-only (torchao, GPU only)",
    "btn.quantize": "Quantize",
    "quantize.ready": "Choose a model and methods, then press **Quantize**.",
    "quantize.stage_model": "Preparing {model} (the first time, the built-in models train for a few seconds)…",
    "quantize.stage_baseline": "Weighing and testing the fp32 model…",
    "quantize.stage_method": "Applying {method}…",
    "quantize.stage_latency": "Timing every version at 1 thread and at all threads in a separate process…",
    "quantize.done": "**Done**: {model}, {params} parameters, {fp32} MB in fp32. Timed with 1 and {threads} threads; "
                     "other work on the machine used {busy} of its CPU meanwhile{busy_note}.",
    "quantize.done_cached": "**Done**: {model}, {params} parameters, {fp32} MB in fp32. Every figure comes from an "
                            "earlier study of this model on this server (kept until it restarts): the timings were "
                            "not measured again.",
    "quantize.busy_note": " (the figures may be noisy)",
    "quantize.stopped": "**Stopped** after {n} method(s).",
    "quantize.random": "⚠️ {model} has random weights here (its real ones are not on this machine): sizes and speed "
                       "are the real model's, accuracy is not shown; agreement with fp32 still is.",
    "quantize.not_applies": "{method} does not apply: {why}",
    "quantize.stopping": "Stopping after the current method…",
    "quantize.nothing_running": "Nothing is being quantized in this session.",
    "field.quantize_results": "Results",
    "qcol.method": "method", "qcol.mb": "MB", "qcol.ratio": "smaller", "qcol.limit": "at most",
    "qcol.ms_1t": "ms, 1 thread", "qcol.ms_all": "ms, all threads", "qcol.speedup": "speed-up",
    "qcol.accuracy": "accuracy before → after", "qcol.changed": "predictions changed",
    "qcol.replaced": "modules replaced", "qcol.note": "note",
    "field.focus_method": "Look closer at",
    "sub.layers": "Layers", "sub.weights": "Weights", "sub.qcode": "Code", "sub.qdownload": "Download",
    "help.layers": "Every module of the model: its type before and after, its parameters and its bytes. What was not "
                   "replaced stays fp32: an embedding, a convolution, a layer norm.",
    "qlayer.name": "module", "qlayer.before": "type before", "qlayer.after": "type after", "qlayer.params": "parameters",
    "qlayer.bytes_before": "bytes before", "qlayer.bytes_after": "bytes after",
    "qlayer.choice": "{layer} · {type} · {n} weights",
    "field.qlayer": "Layer",
    "help.weights": "Left: the layer's weights before (grey) and after (blue). Right: the same weights divided by the "
                    "int8 step. After quantization each one stands on a whole number: that grid of 256 values is all "
                    "int8 can say. The rounding error is what changes the predictions.",
    "help.qcode": "A script in plain PyTorch: first the model (the very source DL Lab runs), then, at the end, the "
                  "few lines that apply this method and weigh the result.",
    "quantize.code_none": "# Quantize a model first: the code for the method you look at appears here.",
    "btn.quantize_download": "Save the quantized model",
    "field.quantize_file": "Quantized weights (torch.save of the state dict)",
    "help.qdownload": "The quantized state dict, as torch.save writes it: the file whose size the chart shows. "
                      "Load it into the same architecture after applying the same method (see Code).",
    "plot.size_title": "Saved size", "plot.size_axis": "MB (state dict as saved)", "plot.speed_title": "Speed-up over fp32",
    "plot.speed_axis": "× fp32 (above 1: faster)", "plot.one_thread": "1 thread", "plot.all_threads": "all threads",
    "plot.fp32": "fp32", "plot.not_applicable": "does not apply", "plot.weights_title": "Weights of {layer}",
    "plot.value": "weight value", "plot.count": "weights", "plot.before": "fp32", "plot.after": "after {method}",
    "plot.zoom_title": "Close-up: weights ÷ the int8 step", "plot.steps": "int8 steps (whole numbers are the grid)",
    "plot.no_grid": "{method} has no int8 grid: the values are rounded to fewer bits of mantissa",
    "plot.quantize_chart": "Size and speed",
    "plot.histogram": "Weights before and after",
}

ZH = {
    "tab.quantize": "量化",
    "quantize.intro": "用更少的位数存储权重，让模型更小、更快，并看看代价是什么。选一个模型（你在「训练」标签页训练的，"
                      "或内置模型）和几种方法：DL Lab 会保存每个结果并称一称文件大小，在单独的进程里分别用单线程和全部线程"
                      "计时，并检查有多少预测发生了变化。不是每种方法都对每个模型有用：页面会说明在哪里、为什么。",
    "field.quantize_model": "模型",
    "help.quantize_model": "你的运行只要还在最新的三次之内就会保留权重。内置模型第一次被选中时会训练几秒钟；GPT-2 和 "
                           "wav2vec2 的权重不在本机时使用随机权重（大小和速度不变）。",
    "qmodel.trained": "你最新训练的模型",
    "qmodel.run": "你的运行 {label}",
    "qmodel.mlp": "教程中的 MLP 10-64-64-2",
    "qmodel.mlp_mnist": "MNIST 规模的 MLP 784-512-512-10",
    "qmodel.lstm": "LSTM 分类器（2 × 512）",
    "qmodel.lstm_lm": "词级语言模型（33,278 个词，LSTM）",
    "qmodel.gpt2": "GPT-2 small（1.24 亿参数）",
    "qmodel.wav2vec2": "wav2vec2-base（9500 万参数）",
    "field.quantize_methods": "方法",
    "help.quantize_methods": "int8 用 8 位存储每个权重（最多小 4 倍），fp16/bf16 用 16 位（2 倍）。动态 int8 连计算也用 "
                             "int8；仅权重 int8 在相乘之前把权重转换回浮点数。",
    "qmethod.dynamic_int8": "int8 动态量化（PyTorch）",
    "qmethod.dynamic_int8_naive": "int8 动态量化，朴素做法（保留 GPT-2 的 Conv1D）",
    "qmethod.fp16": "fp16 权重",
    "qmethod.bf16": "bf16 权重",
    "qmethod.torchao_int8_weight": "仅权重 int8（torchao）",
    "qmethod.torchao_int8_dynamic": "权重和激活都用 int8（torchao）",
    "qmethod.torchao_int4_weight": "仅权重 int4（torchao，仅限 GPU）",
    "btn.quantize": "开始量化",
    "quantize.ready": "选择模型和方法，然后按**开始量化**。",
    "quantize.stage_model": "正在准备 {model}（内置模型第一次使用时会训练几秒钟）……",
    "quantize.stage_baseline": "正在称量并测试 fp32 模型……",
    "quantize.stage_method": "正在应用 {method}……",
    "quantize.stage_latency": "正在单独的进程里，分别用单线程和全部线程为每个版本计时……",
    "quantize.done": "**完成**：{model}，{params} 个参数，fp32 下 {fp32} MB。分别用 1 个和 {threads} 个线程计时；"
                     "其间机器上的其他工作占用了 {busy} 的 CPU{busy_note}。",
    "quantize.done_cached": "**完成**：{model}，{params} 个参数，fp32 下 {fp32} MB。所有数字都来自本服务器之前对这个模型的"
                            "测量（保留到服务器重启）：这次没有重新计时。",
    "quantize.busy_note": "（数字可能有波动）",
    "quantize.stopped": "**已停止**，完成了 {n} 种方法。",
    "quantize.random": "⚠️ 这里的 {model} 使用随机权重（真实权重不在本机）：大小和速度与真实模型相同，不显示准确率；"
                       "但仍然显示与 fp32 的一致程度。",
    "quantize.not_applies": "{method}不适用：{why}",
    "quantize.stopping": "当前方法完成后停止……",
    "quantize.nothing_running": "本会话中没有正在进行的量化。",
    "field.quantize_results": "结果",
    "qcol.method": "方法", "qcol.mb": "大小（MB）", "qcol.ratio": "缩小", "qcol.limit": "上限",
    "qcol.ms_1t": "毫秒（单线程）", "qcol.ms_all": "毫秒（全部线程）", "qcol.speedup": "加速",
    "qcol.accuracy": "准确率 之前 → 之后", "qcol.changed": "改变的预测",
    "qcol.replaced": "被替换的模块", "qcol.note": "说明",
    "field.focus_method": "仔细查看",
    "sub.layers": "各层", "sub.weights": "权重", "sub.qcode": "代码", "sub.qdownload": "下载",
    "help.layers": "模型的每个模块：之前和之后的类型、参数数量和字节数。没有被替换的仍然是 fp32：嵌入层、卷积层、"
                   "层归一化。",
    "qlayer.name": "模块", "qlayer.before": "之前的类型", "qlayer.after": "之后的类型", "qlayer.params": "参数",
    "qlayer.bytes_before": "之前的字节数", "qlayer.bytes_after": "之后的字节数",
    "qlayer.choice": "{layer} · {type} · {n} 个权重",
    "field.qlayer": "层",
    "help.weights": "左图：这一层量化之前（灰色）和之后（蓝色）的权重。右图：同样的权重除以 int8 的步长。量化之后，"
                    "每个权重都落在一个整数上：int8 只能表达这 256 个格点。舍入误差正是预测发生变化的原因。",
    "help.qcode": "一段纯 PyTorch 脚本：先是模型（就是 DL Lab 运行的源代码），最后几行应用这种方法，并称量结果的大小。",
    "quantize.code_none": "# 请先量化一个模型：你查看的方法的代码会显示在这里。",
    "btn.quantize_download": "保存量化后的模型",
    "field.quantize_file": "量化后的权重（用 torch.save 保存的 state dict）",
    "help.qdownload": "量化后的 state dict，和 torch.save 写出的完全一样：也就是图表中显示大小的那个文件。"
                      "先对同样的结构应用同样的方法（见「代码」），再加载它。",
    "plot.size_title": "保存后的大小", "plot.size_axis": "MB（保存后的 state dict）", "plot.speed_title": "相对 fp32 的加速",
    "plot.speed_axis": "× fp32（大于 1 表示更快）", "plot.one_thread": "单线程", "plot.all_threads": "全部线程",
    "plot.fp32": "fp32（原始）", "plot.not_applicable": "不适用", "plot.weights_title": "{layer} 的权重",
    "plot.value": "权重值", "plot.count": "权重个数", "plot.before": "量化前（fp32）", "plot.after": "{method} 之后",
    "plot.zoom_title": "放大：权重 ÷ int8 步长", "plot.steps": "int8 步数（整数就是格点）",
    "plot.no_grid": "{method} 没有 int8 格点：数值只是被舍入到更少的尾数位",
    "plot.quantize_chart": "大小和速度",
    "plot.histogram": "量化前后的权重",
}
