"""DL Lab's words, in English and 简体中文: one table for the whole UI.

Keys: ``field.*`` control labels (also used inside error messages), ``help.*`` the
short explanations beside controls, ``error.*`` core's error keys, ``plot.*``
words on figures. Placeholders in braces must match in both languages (a test
checks that, and that no key is missing in either language).
"""

EN = {
    # --- app ---------------------------------------------------------------------------
    "app.header": "# DL Lab\nHands-on deep learning from first principles: change a setting, press a button, "
                  "watch what happens.",
    "app.language": "Language / 语言",
    "tab.train": "Train",
    "error.unexpected": "Something unexpected went wrong ({kind}). DL Lab is still running: try again, or "
                        "change the settings. If it happens again, tell the instructor.",

    # --- Train: controls ---------------------------------------------------------------
    "train.intro": "Train a small neural network and watch it learn. The **loss** should fall and the "
                   "**accuracy** rise; when validation loss turns up while training loss keeps falling, the model "
                   "has started to memorise the training data (over-fitting): try dropout or weight decay.",
    "field.dataset": "Dataset",
    "dataset.moons": "two moons", "dataset.circles": "circles", "dataset.classification": "classification",
    "dataset.digits": "digits (8×8 images)", "dataset.csv": "your CSV",
    "about.moons": "Two interleaving half circles (2 features, 2 classes): needs a curved boundary.",
    "about.circles": "A ring around a disc (2 features, 2 classes): no straight line separates them.",
    "about.classification": "scikit-learn's make_classification (10 features, 2 classes); noise flips labels.",
    "about.digits": "8×8 handwritten digits shipped with scikit-learn (64 pixels, 10 classes, 1797 images). "
                    "The CNN, LSTM and Transformer need this dataset.",
    "about.csv": "Your own table: numeric feature columns and one label column. Upload a .csv file below.",
    "field.csv_file": "CSV file",
    "field.label_column": "Label column",
    "help.label_column": "The column that holds the class of each row; all other columns are features.",
    "field.samples": "Samples",
    "field.noise": "Noise",
    "field.model": "Model",
    "model.mlp": "MLP", "model.cnn": "CNN", "model.lstm": "LSTM", "model.transformer": "Transformer",
    "help.model": "MLP: layers of neurons. CNN: small filters slid over the image. LSTM: reads the image row by "
                  "row, with memory. Transformer: rows attend to each other.",
    "field.hidden_layer_sizes": "Hidden layer sizes",
    "help.hidden": "Units per hidden layer, comma-separated: '64, 64' is two layers of 64 (MLP; LSTM layers; "
                   "the Transformer's width and depth; the CNN's dense layer). Empty: no hidden layer.",
    "field.dropout": "Dropout",
    "help.dropout": "While training, each hidden unit is switched off with this probability, so the network "
                    "cannot rely on any single one: it fights over-fitting.",
    "field.l1": "L1",
    "help.l1": "Adds L1 × (sum of |weights|) to the loss, pushing unneeded weights to exactly zero.",
    "field.optimizer": "Optimizer",
    "optimizer.sgd": "SGD", "optimizer.adam": "Adam", "optimizer.adamw": "AdamW", "optimizer.adagrad": "Adagrad",
    "optimizer.rmsprop": "RMSprop",
    "help.optimizer": "SGD follows the gradient (with momentum); Adagrad and RMSprop adapt each weight's step "
                      "size; Adam combines momentum and adaptive steps; AdamW is Adam with decoupled weight decay.",
    "field.learning_rate": "Learning rate",
    "help.lr": "Size of each step. Too small: slow. Too large: the loss jumps around or diverges.",
    "field.momentum": "Momentum",
    "help.momentum": "For SGD and RMSprop: how much of the previous step carries into the next.",
    "field.epochs": "Epochs",
    "field.batch_size": "Batch size",
    "help.batch": "Examples per step. Small batches: noisy but frequent steps.",
    "field.weight_decay": "Weight decay",
    "help.weight_decay": "Pulls weights towards zero every step (L2 regularization).",
    "field.seed": "Seed",
    "help.seed": "Same seed, same curves.",
    "field.loss": "Loss",
    "loss.cross_entropy": "cross-entropy", "loss.mse": "mean squared error",
    "field.learning_rates": "Learning rates",
    "field.optimizers": "Optimizers",
    "field.runs": "Runs",
    "field.export_file": "Model download",
    "field.history_file": "History download",

    # --- Train: main panel -------------------------------------------------------------
    "sub.train": "Train", "sub.sweep": "Learning-rate sweep", "sub.history": "History & fusion",
    "sub.scratch": "NumPy from scratch",
    "btn.train": "Train", "btn.stop": "Stop", "btn.sweep": "Run sweep", "btn.fuse": "Fuse selected runs",
    "btn.history_csv": "Download history (CSV)", "btn.export": "Export model (safetensors + script)",
    "btn.scratch": "Train NumPy and PyTorch side by side",
    "train.ready": "Choose a dataset and settings on the left, then press **Train**.",
    "train.starting": "Training a **{model}** on **{dataset}** ({n_train} training / {n_val} validation "
                      "examples, {params} weights)…",
    "train.progress": "**Epoch {epoch}/{epochs}** · validation accuracy {acc} · loss {loss} · {speed} epochs/s",
    "train.done": "**Done**: {done} epochs in {seconds} s. On the validation set:",
    "train.stopped": "**Stopped** after {done} of {epochs} epochs ({seconds} s). On the validation set:",
    "train.stopping": "Stopping…",
    "train.nothing_running": "Nothing is training.",
    "train.metrics_binary": "Precision, recall and F1 of class 1; ROC AUC from the predicted probabilities.",
    "train.metrics_macro": "Precision, recall and F1 averaged over classes (macro); ROC AUC one-vs-rest.",
    "metric.accuracy": "accuracy", "metric.precision": "precision", "metric.recall": "recall",
    "plot.curves": "Learning curves", "plot.boundary": "Decision boundary", "plot.confusion": "Confusion matrix",
    "plot.sweep": "Validation accuracy of each run", "plot.compare": "Validation accuracy of the selected runs",
    "plot.scratch": "NumPy vs PyTorch",
    "help.confusion": "Rows: the true class; columns: the predicted one. The diagonal counts correct answers; "
                      "every other cell is one kind of mistake.",
    "acc.layers": "Layers and parameters",
    "layers.name": "layer", "layers.type": "type", "layers.shape": "output shape", "layers.params": "parameters",
    "acc.code": "Show code: this run in plain PyTorch",
    "help.code": "Copy this into a file and run it: it repeats the run just made, step for step, and prints the "
                 "same accuracy.",
    "code.none": "# Train a model first: its code appears here.",
    "acc.record": "Record (what the API returns)",

    # --- sweep, history, fusion, scratch -----------------------------------------------------
    "sweep.intro": "Train the same model once per learning rate and optimizer, with the same data and seed, "
                   "and compare: which step size learns fastest without diverging? The other settings come from "
                   "the left.",
    "help.rates": "Comma-separated, like 0.001, 0.01, 0.1.",
    "sweep.running": "Run {i} of {n}: {name}…",
    "sweep.done": "**Done**: {n} runs. Best: **{best}** (★).",
    "sweep.incomplete": "{missing} run(s) stopped or diverged before finishing and are not ranked.",
    "sweep.final_loss": "final validation loss", "sweep.best": "best",
    "history.intro": "Every run of this browser session is kept here (the newest 20). Tick runs to overlay their "
                     "curves and compare them; tick two or more trained on the same data to fuse them.",
    "history.run": "run", "history.stopped": "stopped", "history.seconds": "seconds",
    "help.fuse": "Model fusion averages the members' predicted probabilities for every validation example. "
                 "Different models make different mistakes, so the average is often better than each member.",
    "fuse.ensemble": "ensemble (average)",
    "scratch.intro": "The same MLP written with NumPy alone: forward pass, loss, backpropagation and the SGD "
                     "update by hand. It starts from the PyTorch model's initial weights and sees the same "
                     "batches as a PyTorch twin trained with autograd, so the two curves lie on top of each "
                     "other. Uses the dataset, epochs, batch size and seed on the left.",
    "scratch.code_intro": "The NumPy code of each training step:",
    "scratch.progress": "**Epoch {epoch}/{epochs}** · NumPy loss {np_loss} · PyTorch loss {t_loss}",
    "scratch.done": "**Done**. Validation accuracy: NumPy {np_acc}, PyTorch {t_acc}. Largest difference between "
                    "the hand-written and autograd gradients on the first batch: {diff}.",

    # --- plots ---------------------------------------------------------------------------
    "plot.epoch": "epoch", "plot.loss": "cross-entropy loss", "plot.accuracy": "accuracy", "plot.train": "train",
    "plot.validation": "validation", "plot.feature_1": "feature 1", "plot.feature_2": "feature 2",
    "plot.class": "class", "plot.predicted": "predicted", "plot.true": "true",
    "plot.val_accuracy": "validation accuracy", "plot.numpy": "NumPy (by hand)", "plot.torch": "PyTorch (autograd)",
    "plot.scratch_loss": "training loss",

    # --- errors (core's keys) -------------------------------------------------------------
    "error.required": "{label} is required: give a number between {lo} and {hi}.",
    "error.not_number": "{label} must be a number, got {value}.",
    "error.not_finite": "{label} must be a finite number, got {value}.",
    "error.out_of_range": "{label} must be between {lo} and {hi}, got {value}.",
    "error.not_integer": "{label} must be a whole number, got {value}.",
    "error.choice": "{label} must be one of {options}, got {value}.",
    "error.not_list": "{label} must be a list of choices, got {value}.",
    "error.empty": "{label}: choose at least one.",
    "error.too_many": "{label}: at most {max} at a time, got {count}.",
    "error.not_text": "{label} must be text, got {value}.",
    "error.too_long": "{label} is too long ({count} characters; at most {max}).",
    "error.too_many_layers": "Hidden layer sizes: at most {max} layers, got {count}.",
    "error.bad_layer_size": "Hidden layer sizes must be whole numbers from 1 to {max} separated by commas "
                            "(like '64, 64'); '{value}' is not.",
    "error.transformer_width": "Hidden layer sizes: the Transformer's width ({width}) must be a multiple of its "
                               "{heads} attention heads, like 32 or 64.",
    "error.needs_images": "This model reads images: choose the digits dataset, or the MLP for this data.",
    "error.too_many_steps": "This run would take {steps} optimizer steps (epochs × batches per epoch); the limit "
                            "is {max}. Use a larger batch size or fewer epochs.",
    "error.batch_too_big": "Batch size ({batch}) is larger than the training set ({rows} rows). Choose at most "
                           "{rows}.",
    "error.diverged": "Training diverged at epoch {epoch}: the loss became infinite or NaN. A learning rate of "
                      "{lr} is too large for {optimizer} here; try one ten times smaller. The curves up to the "
                      "last good epoch are kept.",
    "error.diverged_scratch": "Training diverged at epoch {epoch}: the loss became infinite or NaN. A learning "
                              "rate of {lr} is too large here; try one ten times smaller.",
    "error.runs_not_list": "Runs must be a list of run ids, got {value}.",
    "error.runs_too_many": "Choose at most {max} runs.",
    "error.run_id_bad": "That is not a run id.",
    "error.run_missing": "There is no run #{id} in this session's history.",
    "error.runs_too_few": "Choose at least {min} different runs.",
    "error.rates_empty": "Learning rates: give at least one, like '0.001, 0.01, 0.1'.",
    "error.sweep_too_many": "A sweep of {count} runs is too many; the limit is {max}.",
    "error.sweep_too_long": "This sweep would take {steps} optimizer steps in all; the limit is {max}. Use fewer "
                            "runs, fewer epochs or a larger batch size.",
    "error.fuse_datasets": "Only runs on the same data can be fused; these were trained on: {datasets}",
    "error.no_runs": "There are no runs in this session yet.",
    "error.nothing_to_export": "Train a model first: there is no trained model in this session to export.",
    "error.csv_missing": "Upload a CSV file first.",
    "error.csv_too_big": "The CSV file is {size} MB; the limit is {max} MB.",
    "error.csv_not_text": "This file is not a text CSV (it is not UTF-8 text).",
    "error.csv_empty": "The CSV file needs a header row and data rows.",
    "error.csv_header": "Every column needs a name in the header row, and names must differ.",
    "error.csv_too_many_rows": "The CSV file has {rows} rows; the limit is {max}.",
    "error.csv_too_many_columns": "The CSV file has {count} feature columns; the limit is {max}.",
    "error.csv_ragged": "Row {row} has {count} values but the header has {columns} columns.",
    "error.csv_no_label": "Choose the label column from the file's columns; '{column}' is not one of them.",
    "error.csv_no_features": "The CSV file needs at least one feature column besides the label.",
    "error.csv_too_few_rows": "The CSV file has {rows} data rows; at least {min} are needed to train and validate.",
    "error.csv_missing_label": "Row {row} has no label (column '{column}').",
    "error.csv_missing_value": "Row {row} has a missing value in column '{column}'. Fill or drop such rows first.",
    "error.csv_not_numeric": "Column '{column}' is not numeric (row {row} has {value}). Feature columns must hold "
                             "numbers.",
    "error.csv_infinite": "The CSV file holds infinite values.",
    "error.csv_one_class": "The label column '{column}' has a single class; a classifier needs at least two.",
    "error.csv_too_many_classes": "The label column '{column}' has {count} classes; at most {max} are allowed. Is "
                                  "it really the label?",
    "error.csv_rare_class": "Class '{cls}' has a single example; each class needs at least two (one to train on, "
                            "one to validate).",
}

ZH = {
    # --- app ---------------------------------------------------------------------------
    "app.header": "# DL Lab 深度学习实验室\n从第一性原理动手学深度学习：改一个设置，按一个按钮，看看会发生什么。",
    "app.language": "Language / 语言",
    "tab.train": "训练",
    "error.unexpected": "出现了意外错误（{kind}）。DL Lab 仍在运行：请重试或修改设置；如果再次出现，请告诉讲师。",

    # --- Train: controls ---------------------------------------------------------------
    "train.intro": "训练一个小型神经网络，看着它学习。**损失**应当下降，**准确率**应当上升；如果训练损失继续下降而"
                   "验证损失开始上升，说明模型开始死记训练数据（过拟合）：试试 Dropout 或权重衰减。",
    "field.dataset": "数据集",
    "dataset.moons": "双月形", "dataset.circles": "同心圆", "dataset.classification": "分类数据",
    "dataset.digits": "手写数字（8×8 图像）", "dataset.csv": "你的 CSV",
    "about.moons": "两个交错的半圆（2 个特征，2 个类别）：需要一条弯曲的决策边界。",
    "about.circles": "一个圆环包着一个圆盘（2 个特征，2 个类别）：没有直线能把它们分开。",
    "about.classification": "scikit-learn 的 make_classification（10 个特征，2 个类别）；噪声会随机翻转标签。",
    "about.digits": "scikit-learn 自带的 8×8 手写数字（64 个像素，10 个类别，1797 张图）。"
                    "CNN、LSTM 和 Transformer 需要这个数据集。",
    "about.csv": "你自己的表格：数值型特征列加一个标签列。请在下方上传 .csv 文件。",
    "field.csv_file": "CSV 文件",
    "field.label_column": "标签列",
    "help.label_column": "保存每一行类别的那一列；其余各列都是特征。",
    "field.samples": "样本数",
    "field.noise": "噪声",
    "field.model": "模型",
    "model.mlp": "MLP 多层感知机", "model.cnn": "CNN 卷积网络", "model.lstm": "LSTM", "model.transformer": "Transformer",
    "help.model": "MLP：一层层神经元。CNN：在图像上滑动的小卷积核。LSTM：带记忆地逐行读图。"
                  "Transformer：各行之间相互注意。",
    "field.hidden_layer_sizes": "隐藏层大小",
    "help.hidden": "每个隐藏层的单元数，用逗号分隔：'64, 64' 表示两层、每层 64 个（MLP；LSTM 的层；Transformer 的"
                   "宽度与层数；CNN 的全连接层）。留空：没有隐藏层。",
    "field.dropout": "Dropout 丢弃率",
    "help.dropout": "训练时每个隐藏单元以这个概率被暂时关闭，网络因此不能依赖任何单个单元：用来对抗过拟合。",
    "field.l1": "L1 正则",
    "help.l1": "在损失上加 L1 ×（所有权重绝对值之和），把不需要的权重压到正好为零。",
    "field.optimizer": "优化器",
    "optimizer.sgd": "SGD", "optimizer.adam": "Adam", "optimizer.adamw": "AdamW", "optimizer.adagrad": "Adagrad",
    "optimizer.rmsprop": "RMSprop",
    "help.optimizer": "SGD 沿梯度下降（带动量）；Adagrad 和 RMSprop 为每个权重自适应步长；Adam 结合了动量与自适应"
                      "步长；AdamW 是权重衰减解耦的 Adam。",
    "field.learning_rate": "学习率",
    "help.lr": "每一步的步长。太小：学得慢。太大：损失来回跳动甚至发散。",
    "field.momentum": "动量",
    "help.momentum": "用于 SGD 和 RMSprop：上一步有多少延续到下一步。",
    "field.epochs": "训练轮数",
    "field.batch_size": "批大小",
    "help.batch": "每一步使用的样本数。批越小，步子越多也越“嘈杂”。",
    "field.weight_decay": "权重衰减",
    "help.weight_decay": "每一步都把权重往零拉一点（L2 正则化）。",
    "field.seed": "随机种子",
    "help.seed": "相同的种子，相同的曲线。",
    "field.loss": "损失函数",
    "loss.cross_entropy": "交叉熵", "loss.mse": "均方误差",
    "field.learning_rates": "学习率列表",
    "field.optimizers": "优化器列表",
    "field.runs": "训练记录",
    "field.export_file": "模型下载",
    "field.history_file": "历史记录下载",

    # --- Train: main panel -------------------------------------------------------------
    "sub.train": "训练", "sub.sweep": "学习率网格搜索", "sub.history": "历史与模型融合", "sub.scratch": "NumPy 从零实现",
    "btn.train": "开始训练", "btn.stop": "停止", "btn.sweep": "开始搜索", "btn.fuse": "融合选中的模型",
    "btn.history_csv": "下载历史记录（CSV）", "btn.export": "导出模型（safetensors + 脚本）",
    "btn.scratch": "并排训练 NumPy 与 PyTorch",
    "train.ready": "在左侧选择数据集和设置，然后按 **开始训练**。",
    "train.starting": "正在 **{dataset}** 上训练 **{model}**（训练集 {n_train} 个 / 验证集 {n_val} 个样本，"
                      "{params} 个权重）…",
    "train.progress": "**第 {epoch}/{epochs} 轮** · 验证准确率 {acc} · 损失 {loss} · 每秒 {speed} 轮",
    "train.done": "**完成**：{done} 轮，用时 {seconds} 秒。验证集上的结果：",
    "train.stopped": "**已停止**：完成 {epochs} 轮中的 {done} 轮（{seconds} 秒）。验证集上的结果：",
    "train.stopping": "正在停止…",
    "train.nothing_running": "当前没有正在进行的训练。",
    "train.metrics_binary": "精确率、召回率和 F1 针对类别 1；ROC AUC 由预测概率计算。",
    "train.metrics_macro": "精确率、召回率和 F1 为各类别的平均（宏平均）；ROC AUC 为一对多。",
    "metric.accuracy": "准确率", "metric.precision": "精确率", "metric.recall": "召回率",
    "plot.curves": "学习曲线", "plot.boundary": "决策边界", "plot.confusion": "混淆矩阵",
    "plot.sweep": "每次训练的验证准确率", "plot.compare": "选中记录的验证准确率", "plot.scratch": "NumPy 对比 PyTorch",
    "help.confusion": "行：真实类别；列：预测类别。对角线是预测正确的数量，其余每个格子是一种错误。",
    "acc.layers": "网络层与参数",
    "layers.name": "层", "layers.type": "类型", "layers.shape": "输出形状", "layers.params": "参数量",
    "acc.code": "查看代码：用纯 PyTorch 复现本次训练",
    "help.code": "把它复制到文件里运行：它会一步不差地重复刚才的训练，并打印出相同的准确率。",
    "code.none": "# 请先训练一个模型：它的代码会显示在这里。",
    "acc.record": "记录（API 返回的内容）",

    # --- sweep, history, fusion, scratch -----------------------------------------------------
    "sweep.intro": "用相同的数据和种子，对每个学习率和优化器各训练一次同样的模型，然后比较：哪个步长学得最快又不"
                   "发散？其余设置取自左侧。",
    "help.rates": "用逗号分隔，例如 0.001, 0.01, 0.1。",
    "sweep.running": "第 {i}/{n} 次：{name}…",
    "sweep.done": "**完成**：共 {n} 次训练。最佳：**{best}**（★）。",
    "sweep.incomplete": "有 {missing} 次训练在完成前被停止或发散，未参与排名。",
    "sweep.final_loss": "最终验证损失", "sweep.best": "最佳",
    "history.intro": "本浏览器会话的每一次训练都保存在这里（最新的 20 次）。勾选记录可叠加它们的曲线进行比较；"
                     "勾选两个或更多在同一数据上训练的模型即可融合。",
    "history.run": "记录", "history.stopped": "已停止", "history.seconds": "秒",
    "help.fuse": "模型融合对每个验证样本取各成员预测概率的平均。不同模型犯不同的错误，所以平均往往比任何一个成员"
                 "都好。",
    "fuse.ensemble": "集成（平均）",
    "scratch.intro": "只用 NumPy 写成的同一个 MLP：前向传播、损失、反向传播和 SGD 更新全部手写。它从 PyTorch 模型的"
                     "初始权重出发，与一个用自动求导训练的 PyTorch 孪生模型看到完全相同的批次，所以两条曲线重合。"
                     "数据集、轮数、批大小和种子取自左侧。",
    "scratch.code_intro": "每一步训练的 NumPy 代码：",
    "scratch.progress": "**第 {epoch}/{epochs} 轮** · NumPy 损失 {np_loss} · PyTorch 损失 {t_loss}",
    "scratch.done": "**完成**。验证准确率：NumPy {np_acc}，PyTorch {t_acc}。第一个批次上手写梯度与自动求导梯度的"
                    "最大差异：{diff}。",

    # --- plots ---------------------------------------------------------------------------
    "plot.epoch": "轮次", "plot.loss": "交叉熵损失", "plot.accuracy": "准确率", "plot.train": "训练",
    "plot.validation": "验证", "plot.feature_1": "特征 1", "plot.feature_2": "特征 2", "plot.class": "类别",
    "plot.predicted": "预测", "plot.true": "真实", "plot.val_accuracy": "验证准确率", "plot.numpy": "NumPy（手写）",
    "plot.torch": "PyTorch（自动求导）", "plot.scratch_loss": "训练损失",

    # --- errors (core's keys) -------------------------------------------------------------
    "error.required": "{label}为必填项：请输入 {lo} 到 {hi} 之间的数字。",
    "error.not_number": "{label}必须是数字，收到的是 {value}。",
    "error.not_finite": "{label}必须是有限的数字，收到的是 {value}。",
    "error.out_of_range": "{label}必须在 {lo} 到 {hi} 之间，收到的是 {value}。",
    "error.not_integer": "{label}必须是整数，收到的是 {value}。",
    "error.choice": "{label}必须是 {options} 之一，收到的是 {value}。",
    "error.not_list": "{label}必须是一个选项列表，收到的是 {value}。",
    "error.empty": "{label}：请至少选择一项。",
    "error.too_many": "{label}：一次最多 {max} 项，收到 {count} 项。",
    "error.not_text": "{label}必须是文本，收到的是 {value}。",
    "error.too_long": "{label}太长了（{count} 个字符；最多 {max} 个）。",
    "error.too_many_layers": "隐藏层大小：最多 {max} 层，收到 {count} 层。",
    "error.bad_layer_size": "隐藏层大小必须是 1 到 {max} 之间、用逗号分隔的整数（例如 '64, 64'）；'{value}' 不是。",
    "error.transformer_width": "隐藏层大小：Transformer 的宽度（{width}）必须是注意力头数 {heads} 的倍数，例如 32 或 64。",
    "error.needs_images": "这个模型读取的是图像：请选择手写数字数据集，或者对这份数据使用 MLP。",
    "error.too_many_steps": "这次训练需要 {steps} 个优化步（轮数 × 每轮批次数）；上限是 {max}。请增大批大小或减少轮数。",
    "error.batch_too_big": "批大小（{batch}）超过了训练集的行数（{rows} 行）。请最多选择 {rows}。",
    "error.diverged": "训练在第 {epoch} 轮发散：损失变成了无穷大或 NaN。对 {optimizer} 来说学习率 {lr} 太大了；"
                      "试试小十倍的值。发散前各轮的曲线已保留。",
    "error.diverged_scratch": "训练在第 {epoch} 轮发散：损失变成了无穷大或 NaN。学习率 {lr} 太大了；试试小十倍的值。",
    "error.runs_not_list": "训练记录必须是记录编号的列表，收到的是 {value}。",
    "error.runs_too_many": "最多选择 {max} 条记录。",
    "error.run_id_bad": "这不是一个训练记录编号。",
    "error.run_missing": "本会话的历史中没有 #{id} 号记录。",
    "error.runs_too_few": "请至少选择 {min} 条不同的记录。",
    "error.rates_empty": "学习率列表：请至少给出一个，例如 '0.001, 0.01, 0.1'。",
    "error.sweep_too_many": "一次搜索 {count} 组太多了；上限是 {max}。",
    "error.sweep_too_long": "这次搜索总共需要 {steps} 个优化步；上限是 {max}。请减少组数、轮数或增大批大小。",
    "error.fuse_datasets": "只有在相同数据上训练的模型才能融合；这些记录分别训练于：{datasets}",
    "error.no_runs": "本会话还没有任何训练记录。",
    "error.nothing_to_export": "请先训练一个模型：本会话中还没有可导出的模型。",
    "error.csv_missing": "请先上传一个 CSV 文件。",
    "error.csv_too_big": "CSV 文件大小为 {size} MB；上限是 {max} MB。",
    "error.csv_not_text": "这个文件不是文本 CSV（不是 UTF-8 文本）。",
    "error.csv_empty": "CSV 文件需要一行表头和若干数据行。",
    "error.csv_header": "表头中的每一列都需要名字，并且名字不能重复。",
    "error.csv_too_many_rows": "CSV 文件有 {rows} 行；上限是 {max} 行。",
    "error.csv_too_many_columns": "CSV 文件有 {count} 个特征列；上限是 {max} 列。",
    "error.csv_ragged": "第 {row} 行有 {count} 个值，但表头有 {columns} 列。",
    "error.csv_no_label": "请从文件的列中选择标签列；'{column}' 不是其中之一。",
    "error.csv_no_features": "除了标签列，CSV 文件至少还需要一个特征列。",
    "error.csv_too_few_rows": "CSV 文件只有 {rows} 行数据；训练和验证至少需要 {min} 行。",
    "error.csv_missing_label": "第 {row} 行没有标签（列 '{column}'）。",
    "error.csv_missing_value": "第 {row} 行在列 '{column}' 中有缺失值。请先填补或删除这些行。",
    "error.csv_not_numeric": "列 '{column}' 不是数值（第 {row} 行是 {value}）。特征列必须是数字。",
    "error.csv_infinite": "CSV 文件中含有无穷大的值。",
    "error.csv_one_class": "标签列 '{column}' 只有一个类别；分类器至少需要两个。",
    "error.csv_too_many_classes": "标签列 '{column}' 有 {count} 个类别；最多允许 {max} 个。它真的是标签列吗？",
    "error.csv_rare_class": "类别 '{cls}' 只有一个样本；每个类别至少需要两个（一个用于训练，一个用于验证）。",
}

STRINGS = {"en": EN, "zh": ZH}
