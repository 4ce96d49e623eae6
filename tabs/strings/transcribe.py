"""The Transcribe tab: engines, the transcript and its views, live mode."""

EN = {
    "tab.transcribe": "Transcribe",
    "transcribe.intro": "Speech to text. Record with the microphone or upload a file (WAV, FLAC, OGG, MP3). Three "
                        "engines: **wav2vec2** spells what it hears letter by letter (CTC), **Whisper** writes whole "
                        "sentences in many languages, **pocketsphinx** needs no download and can be told which "
                        "phrases to expect. Below the text: each word's time, the sound itself, and how CTC turns "
                        "frames into letters.",
    "field.audio": "Audio",
    "transcribe.samples": "Sample recordings",
    "field.engine": "Engine",
    "help.engine": "auto: wav2vec2 when its weights are here, else pocketsphinx. wav2vec2: English, letter by letter. "
                   "Whisper: many languages, whole sentences. pocketsphinx: offline; accurate only with a phrase list.",
    "engine.auto": "auto", "engine.wav2vec2": "wav2vec2", "engine.whisper": "Whisper",
    "engine.pocketsphinx": "pocketsphinx",
    "help.transcribe_precision": "int8: wav2vec2's and Whisper's weight matrices as 8-bit integers; the status line "
                                 "shows what it gains.",
    "field.language": "Language (Whisper)",
    "help.language": "auto lets Whisper recognise the language from the first 30 seconds.",
    "field.phrases": "Phrases to expect (pocketsphinx)",
    "help.phrases": "One per line. pocketsphinx then picks the phrase that fits best: exact and fast, but it can only "
                    "say what is on the list. Empty: open vocabulary, any English word, often wrong.",
    "help.phrases_example": "turn on the light\nturn off the light\nopen the door",
    "field.classroom_filter": "Classroom filter",
    "help.filter": "Masks rude words in every engine's transcript.",
    "btn.transcribe": "Transcribe",
    "transcribe.ready": "Record or upload some audio, or pick a sample, then press **Transcribe**.",
    "field.transcript": "Transcript",
    "sub.words": "Words", "sub.signal": "Signal", "sub.ctc": "CTC", "sub.files": "Files", "sub.live": "Live",
    "help.words": "Each word (or Whisper's phrase) with its start and end. Click a row to hear that stretch.",
    "field.stretch": "The stretch you clicked",
    "help.signal": "The waveform is the air pressure over time; the log-mel spectrogram shows how much energy each "
                   "pitch band has at each moment, the picture speech models actually hear (80 mel bands, 10 ms "
                   "apart). The words are marked where the engine heard them.",
    "plot.waveform_title": "Waveform", "plot.spectrogram_title": "Log-mel spectrogram",
    "ctc.intro": "wav2vec2 gives every 20 ms frame a probability for each letter, plus a **blank** (_) that means "
                 "\"nothing new here\". Greedy CTC takes the best of each frame, merges repeats and drops the blanks: "
                 "*h h _ e l l _ l o* becomes *hello* (the blank keeps the two l's apart). The orange marks are the "
                 "best letter of each frame; | separates words.",
    "plot.ctc_title": "CTC emission: the first seconds",
    "ctc.spelled": "Best path, frame by frame: `{spelled}`\n\nAfter merging repeats and dropping blanks: `{collapsed}`",
    "ctc.none": "The CTC view comes with wav2vec2: Whisper and pocketsphinx work differently.",
    "field.transcript_files": "Transcript files (TXT, SRT, WebVTT, JSON)",
    "acc.segments": "Segments (start, end, text)",
    "transcribe.hearing": "Hearing {done} of {total} s",
    "transcribe.done": "**Done**: {duration} s of audio in {seconds} s (real-time factor {rtf}) · {engine} ({source}) "
                       "· {device} · {precision}",
    "transcribe.stopped": "**Stopped**: the first {duration} s… in {seconds} s (real-time factor {rtf}) · {engine} "
                          "({source}) · {device} · {precision}",
    "transcribe.audio_info": "The recording: {rate} Hz, {channels} channel(s), {format}; the engines hear it as "
                             "16 kHz mono.",
    "transcribe.auto_loaded": "auto chose wav2vec2: its weights are here.",
    "transcribe.auto_phrases": "auto chose pocketsphinx: only it listens for a phrase list.",
    "transcribe.auto_fallback": "auto chose pocketsphinx: wav2vec2's weights are not on this machine (run "
                                "`python -m core.prefetch` to get them).",
    "transcribe.language": "Language: {language}.",
    "transcribe.mode_open": "pocketsphinx in open vocabulary: any word of its English dictionary, so expect mistakes. "
                            "Give it a phrase list for exact answers.",
    "transcribe.mode_phrases": "pocketsphinx with a phrase list: it only chooses among your phrases, which is why it "
                               "is exact and fast.",
    "transcribe.masked": "The classroom filter masked {n} word(s).",
    "transcribe.warning_silent": "⚠️ The recording is almost silent: is the microphone on?",
    "transcribe.warning_clipped": "⚠️ The recording is clipped (too loud): words may be heard wrongly.",
    "transcribe.stopping": "Stopping after the current chunk…",
    "transcribe.nothing_running": "Nothing is being transcribed in this session.",
    "transcribe.col_start": "start (s)", "transcribe.col_end": "end (s)", "transcribe.col_text": "text",
    "source.package": "pocketsphinx package",
    "plot.time": "time (s)", "plot.amplitude": "amplitude", "plot.mel_band": "mel band", "plot.level": "dB",
    "plot.waveform": "waveform", "plot.words": "words", "plot.frame": "probability",
    "plot.character": "character (_ is the blank)", "plot.best_path": "most likely at each frame",
    "live.intro": "Press the microphone's record button and speak: the transcript grows about every second. Stop "
                  "keeps the whole transcript, with files to download. The phrase list and the classroom filter on "
                  "the left apply here too.",
    "field.live_engine": "Live engine",
    "field.microphone": "Microphone",
    "live.ready": "Choose an engine, then record.",
    "live.listening": "Listening with {engine}…",
    "live.done": "**Done**: {seconds} s heard, {n} words.",
    "live.full": "(Only the first {max} s were kept.)",
}

ZH = {
    "tab.transcribe": "语音转文字",
    "transcribe.intro": "把语音转成文字。用麦克风录音，或者上传文件（WAV、FLAC、OGG、MP3）。三个引擎：**wav2vec2** "
                        "把听到的声音逐个字母拼出来（CTC），**Whisper** 能写出多种语言的整句，**pocketsphinx** 不需要下载，"
                        "还可以告诉它要听哪些短语。文字下方：每个词的时间、声音本身，以及 CTC 如何把帧变成字母。",
    "field.audio": "音频",
    "transcribe.samples": "示例录音",
    "field.engine": "引擎",
    "help.engine": "auto：有 wav2vec2 的权重时用它，否则用 pocketsphinx。wav2vec2：英文，逐个字母。Whisper：多种语言，"
                   "整句。pocketsphinx：离线；只有给了短语列表才准确。",
    "engine.auto": "自动", "engine.wav2vec2": "wav2vec2 模型", "engine.whisper": "Whisper 模型",
    "engine.pocketsphinx": "pocketsphinx 引擎",
    "help.transcribe_precision": "int8：把 wav2vec2 和 Whisper 的权重矩阵存成 8 位整数；状态行会显示它带来的变化。",
    "field.language": "语言（Whisper）",
    "help.language": "auto：让 Whisper 从前 30 秒识别语言。",
    "field.phrases": "预期的短语（pocketsphinx）",
    "help.phrases": "每行一个。pocketsphinx 会挑出最吻合的短语：准确又快，但只能说出列表里的内容。留空：开放词汇，"
                    "任何英文单词都可能，经常出错。",
    "help.phrases_example": "turn on the light\nturn off the light\nopen the door（每行一个英文短语）",
    "field.classroom_filter": "课堂过滤",
    "help.filter": "在每个引擎的转写结果中遮住不雅词语。",
    "btn.transcribe": "转写",
    "transcribe.ready": "录音、上传音频或选一个示例，然后按**转写**。",
    "field.transcript": "转写结果",
    "sub.words": "词语", "sub.signal": "信号", "sub.ctc": "CTC 解码", "sub.files": "文件", "sub.live": "实时",
    "help.words": "每个词（或 Whisper 的短语）的开始和结束时间。点击一行可以听那一段。",
    "field.stretch": "你点击的那一段",
    "help.signal": "波形是空气压力随时间的变化；对数梅尔频谱图显示每个时刻各个音高频带的能量，这正是语音模型"
                   "“听到”的画面（80 个梅尔频带，每 10 毫秒一列）。词语标在引擎听到它们的位置。",
    "plot.waveform_title": "波形", "plot.spectrogram_title": "对数梅尔频谱图",
    "ctc.intro": "wav2vec2 每 20 毫秒一帧，给每个字母一个概率，另外还有一个**空白**（_），表示“这里没有新内容”。"
                 "贪心 CTC 取每帧最好的一个，合并重复并去掉空白：*h h _ e l l _ l o* 变成 *hello*（空白让两个 l 分开）。"
                 "橙色标记是每帧最可能的字母；| 分隔单词。",
    "plot.ctc_title": "CTC 输出：前几秒",
    "ctc.spelled": "逐帧的最佳路径：`{spelled}`\n\n合并重复、去掉空白之后：`{collapsed}`",
    "ctc.none": "CTC 视图只属于 wav2vec2：Whisper 和 pocketsphinx 的工作方式不同。",
    "field.transcript_files": "转写文件（TXT、SRT、WebVTT、JSON）",
    "acc.segments": "片段（开始、结束、文字）",
    "transcribe.hearing": "正在处理第 {done} / {total} 秒",
    "transcribe.done": "**完成**：{duration} 秒音频用了 {seconds} 秒（实时率 {rtf}）· {engine}（{source}）· {device} · "
                       "{precision}",
    "transcribe.stopped": "**已停止**：前 {duration} 秒……用了 {seconds} 秒（实时率 {rtf}）· {engine}（{source}）· "
                          "{device} · {precision}",
    "transcribe.audio_info": "录音：{rate} Hz，{channels} 个声道，{format}；引擎听到的是 16 kHz 单声道。",
    "transcribe.auto_loaded": "auto 选择了 wav2vec2：它的权重在这台机器上。",
    "transcribe.auto_phrases": "auto 选择了 pocketsphinx：只有它能按短语列表来听。",
    "transcribe.auto_fallback": "auto 选择了 pocketsphinx：这台机器上没有 wav2vec2 的权重（运行 "
                                "`python -m core.prefetch` 可以获取）。",
    "transcribe.language": "语言：{language}。",
    "transcribe.mode_open": "pocketsphinx 开放词汇模式：它的英文词典里任何词都可能出现，所以会有错误。给它一个短语列表就能得到准确的结果。",
    "transcribe.mode_phrases": "pocketsphinx 短语列表模式：它只在你的短语中选择，所以又准又快。",
    "transcribe.masked": "课堂过滤遮住了 {n} 个词。",
    "transcribe.warning_silent": "⚠️ 录音几乎是静音：麦克风打开了吗？",
    "transcribe.warning_clipped": "⚠️ 录音削波了（声音太大）：可能会听错词。",
    "transcribe.stopping": "当前这段处理完后停止……",
    "transcribe.nothing_running": "这个会话中没有正在进行的转写。",
    "transcribe.col_start": "开始（秒）", "transcribe.col_end": "结束（秒）", "transcribe.col_text": "文字",
    "source.package": "pocketsphinx 安装包",
    "plot.time": "时间（秒）", "plot.amplitude": "振幅", "plot.mel_band": "梅尔频带", "plot.level": "分贝",
    "plot.waveform": "波形", "plot.words": "词语", "plot.frame": "概率",
    "plot.character": "字符（_ 是空白）", "plot.best_path": "每帧最可能的字符",
    "live.intro": "按麦克风的录音键开始说话：转写结果大约每秒更新一次。停止后会保留完整的转写，并提供下载文件。"
                  "左边的短语列表和课堂过滤在这里同样适用。",
    "field.live_engine": "实时引擎",
    "field.microphone": "麦克风",
    "live.ready": "选择一个引擎，然后录音。",
    "live.listening": "正在用 {engine} 听……",
    "live.done": "**完成**：听了 {seconds} 秒，{n} 个词。",
    "live.full": "（只保留了前 {max} 秒。）",
}
