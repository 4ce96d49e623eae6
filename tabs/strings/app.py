"""The page shell and the words every tab shares: header, language switch, tab names,
the unexpected-error message, the seed and the Record panel."""

EN = {
    "app.header": "# DL Lab\nHands-on deep learning from first principles: change a setting, press a button, "
                  "watch what happens.",
    "app.language": "Language / 语言",
    "tab.train": "Train",
    "error.unexpected": "Something unexpected went wrong ({kind}). DL Lab is still running: try again, or "
                        "change the settings. If it happens again, tell the instructor.",
    "tab.augment": "Augment",
    "field.seed": "Seed",
    "help.seed": "Same seed, same curves.",
    "acc.record": "Record (what the API returns)",
    "queue.waiting": "⏳ Waiting for a free core: {place} in line, {ahead} ahead of you, about {seconds} s. "
                     "Short runs go first, and long ones take turns.",
    "cluster.connecting": "⏳ Connecting to the Ray cluster at `{address}`. Until it answers, everything "
                          "computes on this server.",
    "cluster.ready": "🛰️ Training, pretraining, generation and transcription compute on the Ray cluster at "
                     "`{address}`.",
    "cluster.unavailable": "⚠️ The Ray cluster at `{address}` is not available ({detail}). Everything "
                           "computes on this server instead.",
}

ZH = {
    "app.header": "# DL Lab 深度学习实验室\n从第一性原理动手学深度学习：改一个设置，按一个按钮，看看会发生什么。",
    "app.language": "Language / 语言",
    "tab.train": "训练",
    "error.unexpected": "出现了意外错误（{kind}）。DL Lab 仍在运行：请重试或修改设置；如果再次出现，请告诉讲师。",
    "tab.augment": "数据增强",
    "field.seed": "随机种子",
    "help.seed": "相同的种子，相同的曲线。",
    "acc.record": "记录（API 返回的内容）",
    "queue.waiting": "⏳ 正在等待空闲的 CPU 核：排第 {place} 位，前面还有 {ahead} 个任务，大约 {seconds} 秒。"
                     "短任务优先，长任务轮流进行。",
    "cluster.connecting": "⏳ 正在连接 `{address}` 上的 Ray 集群。连上之前，所有计算都在本服务器上进行。",
    "cluster.ready": "🛰️ 训练、预训练、文本生成和语音识别在 `{address}` 上的 Ray 集群中计算。",
    "cluster.unavailable": "⚠️ `{address}` 上的 Ray 集群不可用（{detail}）。所有计算改在本服务器上进行。",
}
