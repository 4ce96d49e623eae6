"""The Train tab: controls, the main panel, sweep, history and fusion, NumPy from scratch,
and the words on its plots."""

EN = {
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
    "field.loss": "Loss",
    "loss.cross_entropy": "cross-entropy", "loss.mse": "mean squared error",
    "field.learning_rates": "Learning rates",
    "field.optimizers": "Optimizers",
    "field.runs": "Runs",
    "field.export_file": "Model download",
    "field.history_file": "History download",
    "field.tensorboard_file": "TensorBoard log download",

    # --- Train: main panel -------------------------------------------------------------
    "sub.train": "Train", "sub.sweep": "Learning-rate sweep", "sub.history": "History & fusion",
    "sub.scratch": "NumPy from scratch",
    "btn.train": "Train", "btn.stop": "Stop", "btn.sweep": "Run sweep", "btn.fuse": "Fuse selected runs",
    "btn.history_csv": "Download history (CSV)", "btn.tensorboard": "TensorBoard log",
    "btn.export": "Export model (safetensors + script)",
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
    "tensorboard.command": "Runs {runs} as a TensorBoard log: unzip it, run `{command}` where you unzipped it "
                           "and open http://localhost:6006.",
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
}

ZH = {
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
    "field.loss": "损失函数",
    "loss.cross_entropy": "交叉熵", "loss.mse": "均方误差",
    "field.learning_rates": "学习率列表",
    "field.optimizers": "优化器列表",
    "field.runs": "训练记录",
    "field.export_file": "模型下载",
    "field.history_file": "历史记录下载",
    "field.tensorboard_file": "TensorBoard 日志下载",

    # --- Train: main panel -------------------------------------------------------------
    "sub.train": "训练", "sub.sweep": "学习率网格搜索", "sub.history": "历史与模型融合", "sub.scratch": "NumPy 从零实现",
    "btn.train": "开始训练", "btn.stop": "停止", "btn.sweep": "开始搜索", "btn.fuse": "融合选中的模型",
    "btn.history_csv": "下载历史记录（CSV）", "btn.tensorboard": "TensorBoard 日志",
    "btn.export": "导出模型（safetensors + 脚本）",
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
    "tensorboard.command": "记录 {runs} 的 TensorBoard 日志：解压后在解压的位置运行 `{command}`，"
                           "然后打开 http://localhost:6006。",
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
}
