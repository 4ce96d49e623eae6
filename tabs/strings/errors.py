"""Core's error messages: the English is core/messages.py (copied in, never rewritten here),
the Chinese is below, one entry per key with the same placeholders."""

from core.messages import MESSAGES

EN = {f"error.{key}": text for key, text in MESSAGES.items()}
# The kinds of pretrained model, named inside the model messages ({label}).
EN |= {"field.text_generation": "text-generation", "field.speech_recognition": "speech-recognition",
       "field.speech_to_text_whisper": "speech-to-text (Whisper)"}

_PREFETCH_ADVICE = (
    "解决方法：在一台能上网的机器上运行一次 `python -m core.prefetch`（它会把 DL Lab 的模型下载到 Hugging Face 缓存 "
    "~/.cache/huggingface；如有需要，把这个文件夹复制到这里），或者把 {env_var} 设为保存了该模型（用 save_pretrained "
    "保存）的本地目录，然后重启 DL Lab。其他标签页不受影响，仍可使用。"
)

ZH = {
    "field.text_generation": "文本生成", "field.speech_recognition": "语音识别",
    "field.speech_to_text_whisper": "语音转文字（Whisper）",
    # --- any control, training, history, CSV ----------------------------------------------------
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
    "error.not_unicode": "{label}中有无效的字符（UTF-16 代理对中落单的一半）。",
    "error.too_many_layers": "隐藏层大小：最多 {max} 层，收到 {count} 层。",
    "error.bad_layer_size": "隐藏层大小必须是 1 到 {max} 之间、用逗号分隔的整数（例如 '64, 64'）；'{value}' 不是。",
    "error.transformer_width": "隐藏层大小：Transformer 的宽度（{width}）必须是注意力头数 {heads} 的倍数，例如 32 或 64。",
    "error.needs_images": "{model} 读取的是图像：请选择手写数字数据集，或者对这份数据使用 MLP。",
    "error.optimizer_unknown": "未知的优化器 '{value}'。",
    "error.class_busy": "全班都在用：现在有 {jobs} 个任务在共用 CPU 核。请一分钟后再试。",
    "error.cluster_run_lost": "计算这次训练的 Ray 工作进程在完成前停止了（{detail}）。已显示的轮次结果仍然有效；"
                              "再按一次按钮即可开始新的训练。",
    "error.too_many_steps": "这次训练需要 {steps} 个优化步（轮数 × 每轮批次数）；上限是 {max}。请增大批大小或减少轮数。",
    "error.batch_too_big": "批大小（{batch}）超过了训练集的行数（{rows} 行）。请最多选择 {rows}。",
    "error.diverged": "训练在第 {epoch} 轮发散：损失变成了无穷大或 NaN。对 {optimizer} 来说学习率 {lr} 太大了；"
                      "试试小十倍的值。发散前各轮的曲线已保留。",
    "error.diverged_scratch": "训练在第 {epoch} 轮发散：损失变成了无穷大或 NaN。学习率 {lr} 太大了；试试小十倍的值。",
    "error.runs_not_list": "训练记录必须是记录编号的列表，收到的是 {value}。",
    "error.runs_too_many": "最多选择 {max} 条记录。",
    "error.run_id_bad": "{value} 不是一个训练记录编号。",
    "error.run_missing": "本会话的历史中没有 #{id} 号记录。",
    "error.runs_too_few": "请至少选择 {min} 条不同的记录。",
    "error.rates_empty": "学习率列表：请至少给出一个，例如 '0.001, 0.01, 0.1'。",
    "error.sweep_too_many": "一次搜索 {count} 组（{optimizers} 个优化器 × {rates} 个学习率）太多了；上限是 {max}。",
    "error.sweep_too_long": "这次搜索总共需要 {steps} 个优化步；上限是 {max}。请减少组数、轮数或增大批大小。",
    "error.fuse_datasets": "只有在相同数据上训练的模型才能融合；这些记录分别训练于：{datasets}",
    "error.no_runs": "本会话还没有任何训练记录。",
    "error.nothing_to_export": "请先训练一个模型：本会话中还没有可导出的模型。",
    "error.tensorboard_no_log": "没有可下载的 TensorBoard 日志：请先训练（日志保留一小时）。",
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
    "error.csv_one_class": "标签列 '{column}' 只有一个类别（{cls}）；分类器至少需要两个。",
    "error.csv_too_many_classes": "标签列 '{column}' 有 {count} 个类别；最多允许 {max} 个。它真的是标签列吗？",
    "error.csv_rare_class": "类别 '{cls}' 只有一个样本；每个类别至少需要两个（一个用于训练，一个用于验证）。",

    # --- images, recipes and boxes ------------------------------------------------------------
    "error.image_missing": "请先上传一张图片，或选择一张示例照片。",
    "error.image_too_big": "文件大小为 {size} MB；上限是 {max} MB。",
    "error.image_unreadable": "这不是 DL Lab 能读取的图片文件：请使用 JPEG、PNG、WebP 或 BMP。",
    "error.image_format": "不支持 {format} 格式的图片：请使用 JPEG、PNG、WebP 或 BMP。",
    "error.image_too_many_pixels": "图片为 {width}×{height}（{mp} 百万像素）；上限是 {max} 百万像素。请先缩小图片。",
    "error.image_far_too_many_pixels": "图片超过 {max} 百万像素；请先缩小图片。",
    "error.image_too_small": "图片为 {width}×{height} 像素；每条边至少需要 {min} 像素。",
    "error.image_corrupt": "图片文件已损坏：无法解码。",
    "error.recipe_json": "配方不是有效的 JSON：{detail}（第 {line} 行，第 {column} 列）。",
    "error.recipe_not_list": "配方是由步骤组成的 JSON 列表，例如 [{{\"op\": \"hflip\", \"p\": 0.5}}]；收到的是 {value}。",
    "error.recipe_empty": "配方是空的：请至少添加一个步骤。",
    "error.recipe_too_many": "一个配方最多 {max} 步；这个配方有 {count} 步。",
    "error.recipe_too_long": "配方太长了（{count} 个字符；最多 {max} 个）。",
    "error.recipe_step": "第 {step} 步必须是一个对象，例如 {{\"op\": \"hflip\", \"p\": 0.5, \"params\": {{}}}}，收到的是 {value}。",
    "error.recipe_unknown_op": "第 {step} 步：未知操作 {value}。已知操作：{ops}。",
    "error.recipe_unknown_key": "第 {step} 步（{op}）：未知的键 {name}；每一步只有 \"op\"、\"p\" 和 \"params\"。",
    "error.recipe_p": "第 {step} 步（{op}）：\"p\" 是这一步生效的概率，必须是 0 到 1 之间的数；收到的是 {value}。",
    "error.recipe_params": "第 {step} 步（{op}）：\"params\" 必须是一个对象，收到的是 {value}。",
    "error.recipe_unknown_param": "第 {step} 步（{op}）：未知参数 {param}。{op} 的参数有：{names}。",
    "error.recipe_range": "第 {step} 步（{op}）：'{param}' 必须是一个数，或满足 {lo} ≤ 下限 ≤ 上限 ≤ {hi} 的 [下限, 上限]，"
                          "收到的是 {value}。",
    "error.recipe_integer": "第 {step} 步（{op}）：'{param}' 只接受整数，收到的是 {value}。",
    "error.recipe_choice": "第 {step} 步（{op}）：'{param}' 必须是 {options} 之一，收到的是 {value}。",
    "error.recipe_flag": "第 {step} 步（{op}）：'{param}' 必须是 true 或 false，收到的是 {value}。",
    "error.box_format": "标注框必须是四个数 \"x, y, w, h\"（单位为像素），例如 40, 30, 120, 80；收到的是 {value}。",
    "error.box_outside": "标注框 {box} 的宽和高必须为正，并且位于图片（{width}×{height}）之内。",

    # --- device and pretrained models -----------------------------------------------------------
    "error.device_no_cuda": "DLLAB_DEVICE 设为 '{value}'，但这里没有可用的 CUDA 设备。请取消设置 DLLAB_DEVICE，或把它设为 'cpu'。",
    "error.device_unknown": "DLLAB_DEVICE 必须是 'auto'、'cpu' 或 'cuda[:N]'，不能是 '{value}'。",
    "error.model_kind_unknown": "未知的模型类型 {kind}；应为 {kinds} 之一。",
    "error.model_dir_empty": "目录 '{name}' 中没有模型：需要 config.json 和 save_pretrained() 写出的权重。请让 {env_var} "
                             "指向这样的目录。",
    "error.model_no_dir": "目录 '{name}' 不存在。请检查 {env_var}。",
    "error.model_not_cached_offline": "{label}模型 '{name}' 无法加载：它不在本地缓存中，并且设置了 HF_HUB_OFFLINE。"
                                      + _PREFETCH_ADVICE,
    "error.model_not_cached_unreachable": "{label}模型 '{name}' 无法加载：它不在本地缓存中，并且无法连接 Hugging Face "
                                          "Hub。" + _PREFETCH_ADVICE,
    "error.model_not_downloaded": "{label}模型 '{name}' 还不在这台机器上：按“生成”下载它（进度条会显示下载进度），"
                                  "或者运行 `python -m core.prefetch`。",
    "error.model_download_failed": "{label}模型 '{name}' 无法加载：下载失败（{detail}）。" + _PREFETCH_ADVICE,
    "error.model_wrong_kind": "'{name}' 中没有 DL Lab 能使用的 {label}模型（{detail}）。请检查 {env_var}。",

    # --- text generation -------------------------------------------------------------------------
    "error.prompt_empty": "请先写一个提示词：模型会接着你给的文字往下写。",
    "error.prompt_no_tokens": "提示词中没有这个模型能读的文字：请写几个字。",
    "error.temperature_zero": "温度必须大于 0，收到的是 {value}：分数要除以它。想每次都取最可能的词元，请选择贪心。",
    "error.top_p_range": "Top-p 必须大于 0 且不超过 1，收到的是 {value}（1 表示保留所有词元）。",
    "error.model_not_allowed": "模型必须是 {options} 之一，收到的是 {value}。",
    "error.context_too_small": "最大新词元数（{max_new}）占满了这个模型 {context} 个词元的上下文，没有给提示词留下位置：请减少新词元数。",
    "error.beam_budget": "{beams} 条束、{positions} 个位置（提示词加新词元）的束搜索需要缓存 {total} 个位置；上限是 {max}。"
                         "请减少束数、新词元数，或缩短提示词。",
    "error.layer_range": "这个模型的层编号是 0 到 {max}；没有第 {value} 层。",
    "error.head_range": "这个模型每层的注意力头编号是 0 到 {max}；没有第 {value} 个头。",

    # --- speech to text -----------------------------------------------------------------------------
    "error.not_flag": "{label}必须是 true 或 false，收到的是 {value}。",
    "error.language_unknown": "语言必须是 'auto'，或者 Whisper 认识的语言代码，例如 'en'、'zh' 或 'de'；收到的是 {value}。",
    "error.live_engine": "实时转写使用 pocketsphinx 或 wav2vec2（Whisper 只处理录完的音频）；收到的是 {value}。",
    "error.audio_too_long_for_engine": "音频长 {seconds} 秒；{engine} 最多只能处理 {max} 秒。请剪短，或者换一个引擎。",

    # --- audio -------------------------------------------------------------------------------------
    "error.audio_missing": "请先录音或上传一段音频。",
    "error.audio_source": "音频必须是一个音频文件（它的路径或字节内容），收到的是 {type}。",
    "error.audio_empty": "音频文件是空的（0 字节）：请重新录制或上传。",
    "error.audio_too_big": "音频文件大小为 {size} MB；上限是 {max} MB。",
    "error.audio_unreadable": "这不是 DL Lab 能读取的音频文件：请使用 {formats}。",
    "error.audio_format": "不支持 {format} 格式的音频文件：请使用 {formats}。",
    "error.audio_corrupt": "音频文件已损坏：无法解码。",
    "error.audio_truncated": "音频文件不完整：文件头标明长 {expected} 秒，但只能解码出 {got} 秒。",
    "error.audio_channels": "这段音频有 {channels} 个声道；最多支持 {max} 个。请先混缩为单声道或立体声。",
    "error.audio_sample_rate": "音频的采样率 {rate} Hz 无法转换：请使用 {lo} 到 {hi} Hz 之间的常见采样率，"
                               "例如 16000、44100 或 48000。",
    "error.audio_too_long": "音频长 {seconds} 秒；上限是 {max} 秒。请先剪短。",
    "error.audio_too_short": "音频只有 {seconds} 秒；至少需要 {min} 秒才能容纳一个词。",
    "error.audio_samples": "音频采样值必须是数字（整数或浮点数），收到的是 {dtype}。",
    "error.audio_shape": "音频采样必须是每个时刻一个值，或每个声道一列；收到的数组形状是 {shape}。",
    "error.audio_length_unknown": "这个 {format} 文件没有标明自己的长度（它是以流的方式写出的），DL Lab 无法这样读取："
                                  "请用音频编辑软件重新保存，或者另存为 WAV。",

    # --- pocketsphinx ---------------------------------------------------------------------------------
    "error.phrases_empty": "短语列表：请至少写一个短语，每行一个，例如 'turn on the light'。",
    "error.phrases_text_too_long": "短语列表共有 {count} 个字符；上限是 {max} 个。",
    "error.phrases_too_many": "短语列表中有 {count} 个短语；最多允许 {max} 个，每行一个。",
    "error.phrase_too_long": "短语列表第 {line} 行有 {count} 个字符；每个短语最多 {max} 个字符。",
    "error.phrase_unknown_words": "短语列表：这些词不在发音词典中（共 {count} 个），因此无法识别：{words}。"
                                  "请换用其他词，或者把名字按读音拼写出来。",

    # --- quantization: the run ------------------------------------------------------------------------
    "error.quantize_no_run": "本会话中还没有训练好的模型：请先在「训练」标签页训练一个（最新的三次运行会保留权重），"
                             "或者选择一个内置模型。",
    "error.quantize_run_without_weights": "运行 #{id} 已不再保留权重（只有最新的三次运行会保留）：请选择更新的运行，或重新训练。",

    # --- quantization: models -------------------------------------------------------------------------

    # --- quantization: methods ------------------------------------------------------------------------
    "error.quantize_naive_needs_conv1d": "朴素的 int8 调用只为 GPT-2 提供：只有在由 transformers 的 Conv1D 层构成的模型上，"
                                         "它才与动态 int8 不同，而这个模型没有这种层。请选择动态 int8。",
    "error.quantize_nothing_for_int8": "动态 int8 量化的是 nn.Linear 和 nn.LSTM 层，而这个模型两者都没有：没有可以量化的部分。",
    "error.quantize_torchao_no_linear": "torchao 只量化线性层，而这个模型里没有它能处理的线性层：LSTM、卷积层和嵌入层都保持原样，"
                                        "与嵌入层共享权重的输出层也是如此。请选择动态 int8（它也会量化 LSTM）或 fp16。",
    "error.quantize_int4_needs_cuda": "torchao {version} 的 int4 仅权重量化不能在 CPU 上运行：它的 int4 内核是为 CUDA GPU "
                                      "编写的。在这里能运行的最接近的方法是 int8 仅权重量化。",
    "error.quantize_int4_gpu_too_old": "torchao 的 int4 内核需要计算能力 8.0 或更高的 GPU；这块 GPU 的计算能力是 {capability}。",
    "error.quantize_int4_no_layer": "int4 权重按每 {group} 个输入分组存储，而这个模型没有哪个线性层的输入数是 {group} 的倍数："
                                    "没有可以量化的部分。",
    "error.quantize_half_unsupported": "这个模型无法在这台 {device} 上以 {dtype} 运行：PyTorch {torch} 在这里没有适用于其 "
                                       "{layer} 层的 {dtype} 内核。",
    "error.quantize_latency_failed": "在工作进程中测量延迟失败（{detail}）。模型大小和准确率不受影响。",
    "error.quantize_latency_timeout": "测量延迟用时超过 {max} 秒，已被停止：请少选几种方法，或者换一个更小的模型。",

    # --- pretraining --------------------------------------------------------------------------------
    "error.pretrain_heads_width": "宽度（{width}）必须是注意力头数（{heads}）的倍数：每个头分到同样大的一份。试试宽度 64、4 个头。",
    "error.pretrain_config_bad": "这不是 DL Lab 的模型配置：它必须恰好包含 {fields}，各项大小是不小于 1 的整数，"
                                 "dropout 在 0 到 1（不含 1）之间。",
    "error.pretrain_context_exceeded": "这个模型一次最多读 {context} 个词元（它的上下文长度），而这里需要 {count} 个。"
                                       "请缩短文字，或减少新词元数。",
    "error.pretrain_vocab_bad": "这不是 DL Lab 的词表：它必须是一串互不相同的单个字符，最多 {max} 个。",
    "error.pretrain_text_empty": "文本是空的：请粘贴或上传一些文字，让模型来学习。",
    "error.pretrain_text_too_short": "文本有 {count} 个字符；上下文长度为 {block} 时至少需要 {min} 个（{contexts} "
                                     "个上下文，这样留出的十分之一仍能容下一个）。请增加文本，或选择更短的上下文。",
    "error.pretrain_text_too_many_chars": "文本用到了 {count} 个不同的字符；上限是 {max}。每个字符都是模型要学的一个词元："
                                          "请换一段更短或更简单的文本。",
    "error.pretrain_file_missing": "请先上传一个 .txt 文件。",
    "error.pretrain_file_too_big": "文本文件大小为 {size} MB；上限是 {max} MB。",
    "error.pretrain_file_not_text": "这个文件不是 UTF-8 文本：请把它另存为纯文本（.txt，UTF-8）后重新上传。",
    "error.pretrain_split_too_small": "语料只有 {count} 项：至少需要 2 项，一项用来训练，一项留作验证。",
    "error.pretrain_context_below_line": "{block} 的上下文装不下一道题：一行连同换行符有 {length} 个字符。"
                                         "请选择至少 {length} 的上下文。",
    "error.pretrain_split_too_short": "语料的一部分只有 {count} 个词元，对 {block} 的上下文来说太少了：至少需要 {min} 个。"
                                     "请使用更多数据或更短的上下文。",
    "error.pretrain_model_missing": "本会话中没有训练过名为 {value} 的模型：请先预训练一个（每个会话保留最新的三个）。",
    "error.pretrain_too_much_work": "这次运行要读取 {tokens} 个词元（步数 × 批大小 × 上下文长度）；上限是 {max}。"
                                    "请减少步数、减小批大小或缩短上下文。",
    "error.pretrain_too_many_parameters": "这个模型会有 {count} 个参数；上限是 {max}。请减少层数或减小宽度。",
    "error.pretrain_outside_vocab": "这份语料中有 {share} 由 {model} 从未见过的字符组成（例如 {chars}）：微调几乎学不到东西。"
                                    "请微调一个在相似文本上训练的模型，或者预训练一个新模型。",
    "error.pretrain_diverged": "第 {step} 步时损失变成了 NaN 或无穷大：请调低学习率。",
    "error.pretrain_zip_missing": "请先上传一个从「预训练」标签页导出的模型 zip。",
    "error.pretrain_zip_bad": "这不是从 DL Lab「预训练」标签页导出的模型：{reason}。",
}
