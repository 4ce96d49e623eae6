"""The English text of every error core raises: one template per key.

An error is raised by key (``InvalidInput("Epochs", "out_of_range", ...)``) and its
message is ``MESSAGES[key].format(**params)``. The Chinese of each template lives in
``tabs/strings/errors.py`` with the same placeholders (a test checks both ways).

To add an error: put its key and English template here, its Chinese there, and raise
it by key. A key or parameter this table cannot render is DL Lab's bug, not the
user's: it warns with ``MessageWarning`` (an error in the test suite, see pytest.ini)
and the user still gets the key and its values rather than a crash.
"""

from __future__ import annotations

import warnings

# The way out when a pretrained model is missing: said the same in every model message.
_PREFETCH_ADVICE = (
    "To fix it, either run `python -m core.prefetch` once on a machine with internet access (it downloads "
    "DL Lab's models into the Hugging Face cache, ~/.cache/huggingface; copy that folder here if needed), or "
    "set {env_var} to a local directory that holds the model (saved with save_pretrained) and restart DL Lab. "
    "The other tabs keep working."
)

MESSAGES: dict[str, str] = {
    # --- any control (core/validate.py); {label} is the control's name ------------------------
    "required": "{label} is required: give a number between {lo} and {hi}.",
    "not_number": "{label} must be a number, got {value}.",
    "not_finite": "{label} must be a finite number, got {value}.",
    "out_of_range": "{label} must be between {lo} and {hi}, got {value}.",
    "not_integer": "{label} must be a whole number, got {value}.",
    "choice": "{label} must be one of {options}, got {value}.",
    "not_list": "{label} must be a list of choices, got {value}.",
    "empty": "{label}: choose at least one.",
    "too_many": "{label}: at most {max} at a time, got {count}.",
    "not_text": "{label} must be text, got {value}.",
    "too_long": "{label} is too long ({count} characters; at most {max}).",
    "not_unicode": "{label} holds characters that are not valid text (a lone half of a UTF-16 surrogate pair).",

    # --- training ----------------------------------------------------------------------------
    "too_many_layers": "Hidden layer sizes: at most {max} layers, got {count}.",
    "bad_layer_size": "Hidden layer sizes must be whole numbers from 1 to {max} separated by commas "
                      "(like '64, 64'); '{value}' is not.",
    "transformer_width": "Hidden layer sizes: the Transformer's width ({width}) must be a multiple of its "
                         "{heads} attention heads, like 32 or 64.",
    "needs_images": "The {model} reads images: choose the digits dataset, or the MLP for this data.",
    "optimizer_unknown": "Unknown optimizer '{value}'.",
    "class_busy": "The class is busy: {jobs} runs are sharing the cores right now. Try again in a minute.",
    "cluster_run_lost": "The Ray worker computing this run stopped before it finished ({detail}). The epochs "
                        "shown so far stand; press the button again to start a new run.",
    "too_many_steps": "This run would take {steps} optimizer steps (epochs × batches per epoch); the limit "
                      "is {max}. Use a larger batch size or fewer epochs.",
    "batch_too_big": "Batch size ({batch}) is larger than the training set ({rows} rows). Choose at most {rows}.",
    "diverged": "Training diverged at epoch {epoch}: the loss became infinite or NaN. A learning rate of "
                "{lr} is too large for {optimizer} here; try one ten times smaller. The curves up to the "
                "last good epoch are kept.",
    "diverged_scratch": "Training diverged at epoch {epoch}: the loss became infinite or NaN. A learning "
                        "rate of {lr} is too large here; try one ten times smaller.",

    # --- history, sweeps, fusion, export -----------------------------------------------------
    "runs_not_list": "Runs must be a list of run ids, got {value}.",
    "runs_too_many": "Choose at most {max} runs.",
    "run_id_bad": "{value} is not a run id.",
    "run_missing": "There is no run #{id} in this session's history.",
    "runs_too_few": "Choose at least {min} different runs.",
    "rates_empty": "Learning rates: give at least one, like '0.001, 0.01, 0.1'.",
    "sweep_too_many": "A sweep of {count} runs ({optimizers} optimizers × {rates} learning rates) is too many; "
                      "the limit is {max}.",
    "sweep_too_long": "This sweep would take {steps} optimizer steps in all; the limit is {max}. Use fewer "
                      "runs, fewer epochs or a larger batch size.",
    "fuse_datasets": "Only runs on the same data can be fused; these were trained on: {datasets}",
    "no_runs": "There are no runs in this session yet.",
    "nothing_to_export": "Train a model first: there is no trained model in this session to export.",
    "tensorboard_no_log": "There is no TensorBoard log to download: train first (logs are kept for an hour).",

    # --- your own CSV ------------------------------------------------------------------------
    "csv_missing": "Upload a CSV file first.",
    "csv_too_big": "The CSV file is {size} MB; the limit is {max} MB.",
    "csv_not_text": "This file is not a text CSV (it is not UTF-8 text).",
    "csv_empty": "The CSV file needs a header row and data rows.",
    "csv_header": "Every column needs a name in the header row, and names must differ.",
    "csv_too_many_rows": "The CSV file has {rows} rows; the limit is {max}.",
    "csv_too_many_columns": "The CSV file has {count} feature columns; the limit is {max}.",
    "csv_ragged": "Row {row} has {count} values but the header has {columns} columns.",
    "csv_no_label": "Choose the label column from the file's columns; '{column}' is not one of them.",
    "csv_no_features": "The CSV file needs at least one feature column besides the label.",
    "csv_too_few_rows": "The CSV file has {rows} data rows; at least {min} are needed to train and validate.",
    "csv_missing_label": "Row {row} has no label (column '{column}').",
    "csv_missing_value": "Row {row} has a missing value in column '{column}'. Fill or drop such rows first.",
    "csv_not_numeric": "Column '{column}' is not numeric (row {row} has {value}). Feature columns must hold "
                       "numbers.",
    "csv_infinite": "The CSV file holds infinite values.",
    "csv_one_class": "The label column '{column}' has a single class ({cls}); a classifier needs at least two.",
    "csv_too_many_classes": "The label column '{column}' has {count} classes; at most {max} are allowed. Is it "
                            "really the label?",
    "csv_rare_class": "Class '{cls}' has a single example; each class needs at least two (one to train on, "
                      "one to validate).",

    # --- images ------------------------------------------------------------------------------
    "image_missing": "Upload an image first, or pick one of the sample photos.",
    "image_too_big": "The file is {size} MB; the limit is {max} MB.",
    "image_unreadable": "This is not an image file DL Lab can read: use JPEG, PNG, WebP or BMP.",
    "image_format": "{format} images are not supported: use JPEG, PNG, WebP or BMP.",
    "image_too_many_pixels": "The image is {width}×{height} ({mp} megapixels); the limit is {max} megapixels. "
                             "Downscale it first.",
    "image_far_too_many_pixels": "The image has more than {max} megapixels; downscale it first.",
    "image_too_small": "The image is {width}×{height} pixels; each side must be at least {min}.",
    "image_corrupt": "The image file is damaged: it could not be decoded.",

    # --- augmentation recipes and boxes ------------------------------------------------------
    "recipe_json": "The recipe is not valid JSON: {detail} (line {line}, column {column}).",
    "recipe_not_list": "A recipe is a JSON list of steps, like [{{\"op\": \"hflip\", \"p\": 0.5}}]; got {value}.",
    "recipe_empty": "The recipe is empty: add at least one step.",
    "recipe_too_many": "A recipe has at most {max} steps; this one has {count}.",
    "recipe_too_long": "The recipe is too long ({count} characters; at most {max}).",
    "recipe_step": "Step {step} must be an object like {{\"op\": \"hflip\", \"p\": 0.5, \"params\": {{}}}}, "
                   "got {value}.",
    "recipe_unknown_op": "Step {step}: unknown op {value}. Known ops: {ops}.",
    "recipe_unknown_key": "Step {step} ({op}): unknown key {name}; a step has only \"op\", \"p\" and \"params\".",
    "recipe_p": "Step {step} ({op}): \"p\" is the probability of applying the step, a number from 0 to 1; "
                "got {value}.",
    "recipe_params": "Step {step} ({op}): \"params\" must be an object, got {value}.",
    "recipe_unknown_param": "Step {step} ({op}): unknown parameter {param}. {op} takes: {names}.",
    "recipe_range": "Step {step} ({op}): '{param}' must be a number or a pair [low, high] with {lo} ≤ low ≤ "
                    "high ≤ {hi}, got {value}.",
    "recipe_integer": "Step {step} ({op}): '{param}' takes whole numbers, got {value}.",
    "recipe_choice": "Step {step} ({op}): '{param}' must be one of {options}, got {value}.",
    "recipe_flag": "Step {step} ({op}): '{param}' must be true or false, got {value}.",
    "box_format": "Box must be four numbers \"x, y, w, h\" in pixels, like 40, 30, 120, 80; got {value}.",
    "box_outside": "Box {box} must have a positive width and height and lie inside the image ({width}×{height}).",

    # --- device and pretrained models ---------------------------------------------------------
    "device_no_cuda": "DLLAB_DEVICE is '{value}' but no CUDA device is available here. Unset DLLAB_DEVICE or "
                      "set it to 'cpu'.",
    "device_unknown": "DLLAB_DEVICE must be 'auto', 'cpu' or 'cuda[:N]', not '{value}'.",
    "model_kind_unknown": "Unknown model kind {kind}; expected one of {kinds}.",
    "model_dir_empty": "The directory '{name}' holds no model: expected config.json and the weights written by "
                       "save_pretrained(). Point {env_var} at such a directory.",
    "model_no_dir": "There is no directory '{name}'. Check {env_var}.",
    "model_not_cached_offline": "The {label} model '{name}' cannot be loaded: it is not in the local cache and "
                                "HF_HUB_OFFLINE is set. " + _PREFETCH_ADVICE,
    "model_not_cached_unreachable": "The {label} model '{name}' cannot be loaded: it is not in the local cache "
                                    "and the Hugging Face Hub cannot be reached. " + _PREFETCH_ADVICE,
    "model_not_downloaded": "The {label} model '{name}' is not on this machine yet: press Generate to download "
                            "it (a progress bar shows how far it has come), or run `python -m core.prefetch`.",
    "model_download_failed": "The {label} model '{name}' cannot be loaded: the download failed ({detail}). "
                             + _PREFETCH_ADVICE,
    "model_wrong_kind": "'{name}' does not hold a {label} model that DL Lab can use ({detail}). Check {env_var}.",

    # --- text generation -----------------------------------------------------------------------
    "prompt_empty": "Write a prompt first: the model continues the text you give it.",
    "prompt_no_tokens": "The prompt has no text this model can read: write some words.",
    "temperature_zero": "Temperature must be above 0, got {value}: the scores are divided by it. For always "
                        "the most likely token, choose greedy.",
    "top_p_range": "Top-p must be above 0 and at most 1, got {value} (1 keeps every token).",
    "model_not_allowed": "Model must be one of {options}, got {value}.",
    "context_too_small": "Max new tokens ({max_new}) leaves no room for the prompt in this model's context of "
                         "{context} tokens: ask for fewer new tokens.",
    "beam_budget": "Beam search with {beams} beams over {positions} positions (prompt and new tokens) needs "
                   "{total} cached positions; the limit is {max}. Use fewer beams, fewer new tokens or a "
                   "shorter prompt.",
    "layer_range": "This model has layers 0 to {max}; there is no layer {value}.",
    "head_range": "This model has heads 0 to {max} in each layer; there is no head {value}.",

    # --- speech to text ---------------------------------------------------------------------------
    "not_flag": "{label} must be true or false, got {value}.",
    "language_unknown": "Language must be 'auto' or a language code Whisper knows, like 'en', 'zh' or 'de'; "
                        "got {value}.",
    "live_engine": "Live transcription runs with pocketsphinx or wav2vec2 (Whisper hears finished recordings "
                   "only); got {value}.",
    "audio_too_long_for_engine": "The audio lasts {seconds} s; {engine} hears at most {max} s. Cut it, or choose "
                                 "another engine.",

    # --- audio -------------------------------------------------------------------------------------
    "audio_missing": "Record or upload some audio first.",
    "audio_source": "Audio must be an audio file (its path or its bytes), got {type}.",
    "audio_empty": "The audio file is empty (0 bytes): record or upload it again.",
    "audio_too_big": "The audio file is {size} MB; the limit is {max} MB.",
    "audio_unreadable": "This is not an audio file DL Lab can read: use {formats}.",
    "audio_format": "{format} audio files are not supported: use {formats}.",
    "audio_corrupt": "The audio file is damaged: it could not be decoded.",
    "audio_truncated": "The audio file is cut short: its header promises {expected} s, but only {got} s could be "
                       "decoded.",
    "audio_channels": "The audio has {channels} channels; at most {max} are supported. Mix it down to mono or "
                      "stereo first.",
    "audio_sample_rate": "The audio's sample rate, {rate} Hz, is not one DL Lab can convert: use a common rate "
                         "from {lo} to {hi} Hz, like 16000, 44100 or 48000.",
    "audio_too_long": "The audio is {seconds} s long; the limit is {max} s. Cut it shorter first.",
    "audio_too_short": "The audio is {seconds} s long; at least {min} s is needed to hold a word.",
    "audio_samples": "Audio samples must be numbers (whole or floating point), got {dtype}.",
    "audio_shape": "Audio samples must be one value per instant, or one column per channel; got an array of "
                   "shape {shape}.",
    "audio_length_unknown": "This {format} file does not say how long it is (it was written as a stream), and "
                            "DL Lab cannot read it that way: save it again with an audio editor, or as WAV.",

    # --- pocketsphinx ---------------------------------------------------------------------------
    "phrases_empty": "Phrases: write at least one phrase, one per line, like 'turn on the light'.",
    "phrases_text_too_long": "The phrase list is {count} characters long; the limit is {max}.",
    "phrases_too_many": "The phrase list has {count} phrases; at most {max} are allowed, one per line.",
    "phrase_too_long": "Line {line} of the phrase list is {count} characters long; a phrase has at most {max}.",
    "phrase_unknown_words": "Phrases: these words are not in the pronunciation dictionary ({count} in all), so "
                            "they cannot be recognised: {words}. Use other words, or spell a name as it sounds.",

    # --- quantization: the run (core/quantize_run.py) ---------------------------------------------
    "quantize_no_run": "There is no trained model in this session yet: train one in the Train tab (the newest "
                       "three runs keep their weights), or choose one of the built-in models.",
    "quantize_run_without_weights": "Run #{id} no longer holds its weights (only the newest three runs keep them): "
                                    "choose a newer run or train again.",

    # --- quantization: models (core/quantize_models.py) -------------------------------------------

    # --- quantization: methods (core/quantize.py, core/latency.py) --------------------------------
    "quantize_naive_needs_conv1d": "The naive int8 call is offered for GPT-2 only: it differs from dynamic int8 only "
                                   "on a model built from transformers' Conv1D layers, and this model has none. "
                                   "Choose dynamic int8.",
    "quantize_nothing_for_int8": "Dynamic int8 quantizes nn.Linear and nn.LSTM layers, and this model has neither: "
                                 "there is nothing to quantize.",
    "quantize_torchao_no_linear": "torchao quantizes linear layers only, and this model has none it can take: LSTMs, "
                                  "convolutions and embeddings stay as they are, and so does an output layer that "
                                  "shares the embedding's weights. Choose dynamic int8 (it quantizes LSTMs too) or fp16.",
    "quantize_int4_needs_cuda": "torchao {version}'s int4 weight-only quantization does not run on a CPU: its int4 "
                                "kernels are built for CUDA GPUs. int8 weight-only is the nearest method that runs here.",
    "quantize_int4_gpu_too_old": "torchao's int4 kernels need a GPU of compute capability 8.0 or newer; this one is "
                                 "{capability}.",
    "quantize_int4_no_layer": "int4 weights are stored in groups of {group} inputs, and no linear layer of this model "
                              "has a multiple of {group} inputs: there is nothing to quantize.",
    "quantize_half_unsupported": "This model cannot run in {dtype} on this {device}: PyTorch {torch} has no {dtype} "
                                 "kernel here for its {layer} layers.",
    "quantize_latency_failed": "Measuring the latency failed in its worker process ({detail}). Sizes and accuracy are "
                               "not affected.",
    "quantize_latency_timeout": "Measuring the latency took longer than {max} s and was stopped: choose fewer methods "
                                "or a smaller model.",

    # --- pretraining (core/tinygpt.py, core/corpus.py) ---------------------------------------------
    "pretrain_heads_width": "The width ({width}) must be a multiple of the number of attention heads ({heads}): each "
                            "head gets an equal slice of it. Try a width of 64 with 4 heads.",
    "pretrain_config_bad": "This is not a DL Lab model config: it must hold exactly {fields}, with whole numbers of "
                           "at least 1 for the sizes and a dropout from 0 to below 1.",
    "pretrain_context_exceeded": "This model reads at most {context} tokens at once (its context length), and this "
                                 "needs {count}. Use a shorter text, or fewer new tokens.",
    "pretrain_vocab_bad": "This is not a DL Lab vocabulary: it must be a list of different single characters, at "
                          "most {max} of them.",
    "pretrain_text_empty": "The text is empty: paste or upload some writing for the model to learn from.",
    "pretrain_text_too_short": "The text has {count} characters; with a context of {block} it needs at least {min} "
                               "({contexts} contexts, so that the held-out tenth still holds one). Add text or "
                               "choose a shorter context.",
    "pretrain_text_too_many_chars": "The text uses {count} different characters; the limit is {max}. Every "
                                    "character is a token the model must learn: use a shorter or plainer text.",
    "pretrain_file_missing": "Upload a .txt file first.",
    "pretrain_file_too_big": "The text file is {size} MB; the limit is {max} MB.",
    "pretrain_file_not_text": "This file is not UTF-8 text: save it as plain text (.txt, UTF-8) and upload it again.",
    "pretrain_split_too_small": "The corpus holds {count} items: it needs at least 2, one to train on and one to "
                                "hold out.",
    "pretrain_context_below_line": "A context of {block} cannot hold one problem: a line is {length} characters with "
                                   "its newline. Choose a context of at least {length}.",
    "pretrain_split_too_short": "A part of the corpus has {count} tokens, too few for a context of {block}: it needs "
                                "at least {min}. Use more data or a shorter context.",
    "pretrain_model_missing": "There is no model {value} trained in this session: pretrain one first (a session "
                              "keeps its newest three).",
    "pretrain_too_much_work": "This run would read {tokens} tokens (steps × batch size × context); the limit is {max}. "
                              "Choose fewer steps, a smaller batch or a shorter context.",
    "pretrain_too_many_parameters": "This model would have {count} parameters; the limit is {max}. Choose fewer "
                                    "layers or a smaller width.",
    "pretrain_outside_vocab": "{share} of this corpus is made of characters {model} has never seen (such as {chars}): "
                              "fine-tuning would learn little. Fine-tune a model trained on similar text, or "
                              "pretrain a new one.",
    "pretrain_diverged": "The loss became NaN or infinite at step {step}: lower the learning rate.",
    "pretrain_zip_missing": "Upload a model zip exported from the Pretrain tab first.",
    "pretrain_zip_bad": "This is not a model exported from DL Lab's Pretrain tab: {reason}.",
}


class MessageWarning(UserWarning):
    """An error was raised with a key or parameters that MESSAGES cannot render."""


def render(key: str, params: dict) -> str:
    """The English message for ``key`` with ``params`` filled in."""
    try:
        return MESSAGES[key].format(**params)
    except (KeyError, IndexError, ValueError) as exc:
        warnings.warn(f"error key {key!r} with parameters {sorted(params)} cannot be rendered: {exc!r}",
                      MessageWarning, stacklevel=3)
        return " ".join([key, *(f"{name}={value}" for name, value in params.items())])
