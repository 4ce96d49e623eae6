"""Augment tab: an OpenCV augmentation recipe built step by step, previewed on real photos."""

from __future__ import annotations

import secrets

import gradio as gr

from core import config
from core.errors import DLLabError
from tabs.common import error_boundary, record_accordion, tab_with_intro, table
from tabs.i18n import Texts, tr
from tabs.widgets import CheckedDropdown, CheckedImage, number_input, slider_input

SLOTS = 3  # the most range parameters any op has
OP_CHOICES = [(f"op.{op}", op) for op in config.AUGMENT_OPS]
BORDER_CHOICES = [(f"border.{b}", b) for b in config.BORDER_MODES]
NOTES = ("palette", "16bit", "grayscale", "alpha", "downscaled")
FIRST_PHOTO = "flower"      # the sample photo the tab opens with


def _caption(lang: str, index: int, ops: list[str], box, had_box: bool) -> str:
    steps = " → ".join(tr(lang, f"op.{op}") for op in ops) or tr(lang, "augment.unchanged")
    lost = f" · {tr(lang, 'augment.box_lost')}" if had_box and box is None else ""
    return f"#{index + 1} · {steps}{lost}"


@error_boundary
def augment(image, recipe, n_samples=config.AUGMENT_SAMPLES.default, seed=config.SEED.default, box=None,
            lang="en"):
    """Draw ``n_samples`` seeded variants; returns (gallery, the recipe applied as JSON, record)."""
    from core.files import write_files
    from core.pipeline import recipe_text, run_preview

    result = run_preview(image, recipe, n_samples, seed, box)
    had_box = result.box is not None
    boxes = result.boxes or [None] * len(result.variants)
    # Encoded by core (OpenCV, JPEG) and handed over as files: cheaper than letting Gradio encode arrays.
    paths = write_files({f"variant_{i + 1}.jpg": jpeg for i, jpeg in enumerate(result.jpegs())})
    gallery = [(str(path), _caption(lang, i, ops, moved, had_box))
               for i, (path, moved, ops) in enumerate(zip(paths, boxes, result.applied))]
    return gallery, recipe_text(result.recipe), result.record


def auto_preview(image, recipe, n_samples, seed, box, lang="en"):
    """The preview after a change in the page: nothing to show until there is an image."""
    if image is None:
        return None, gr.skip(), None
    return augment(image, recipe, n_samples, seed, box, lang)


def preview_after_click(image, recipe, n_samples, seed, box, corner, lang="en"):
    """The preview after a click on the original: none while the box has only its first corner
    (it would only repeat the one shown, and could land after the preview with the box)."""
    if corner is not None:
        return gr.skip(), gr.skip(), gr.skip()
    return auto_preview(image, recipe, n_samples, seed, box, lang)


def details(record, recipe, lang="en"):
    """Status line, per-step timing table, the equivalent code and the download files for a preview record."""
    from core.files import write_text_file
    from core.pipeline import recipe_code

    if not isinstance(record, dict) or "per_op_ms" not in record:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    n = record["n_samples"]
    lines = [tr(lang, "augment.status", n=n, ms=f"{record['ms_per_image']:.1f}", seed=record["seed"],
                size="×".join(map(str, record["preview_size"])))]
    for note in record.get("notes", []):
        if note == "downscaled":
            lines.append(tr(lang, "augment.note.downscaled", original="×".join(map(str, record["original_size"])),
                            size="×".join(map(str, record["preview_size"]))))
        elif note in NOTES:
            lines.append(tr(lang, f"augment.note.{note}"))
    rows = [{"step": r["step"], "op": tr(lang, f"op.{r['op']}"), "applied": f"{r['applied']}/{n}",
             "ms": "–" if r["ms"] is None else f"{r['ms']:.2f}"} for r in record["per_op_ms"]]
    timing = table(rows, [("step", "#"), ("op", tr(lang, "augment.col.op")),
                          ("applied", tr(lang, "augment.col.applied")), ("ms", tr(lang, "augment.col.ms"))])
    try:
        code = recipe_code(recipe, record["seed"], n, record.get("box"))
    except DLLabError:
        return "\n\n".join(lines), timing, gr.skip(), gr.skip(), gr.skip()
    return ("\n\n".join(lines), timing, code, str(write_text_file(recipe, "recipe.json")),
            str(write_text_file(code, "augment.py")))


def show_original(image, box):
    """The (preview-sized) original with the box drawn, as a JPEG file; blank when there is no readable image.

    A file, not an array: Gradio writes an array to its cache at a path named by the picture's hash, and
    rewrites that file whenever the same picture is output again (each user's first look at the sample
    photo, say), so a browser still fetching it could get it half written and show a broken picture (the
    browser test of the box saw one in about one run of three). A file is copied there once, under a
    temporary name, and renamed into place."""
    from core.files import write_files
    from core.images import draw_box, encode_jpeg, read_image
    from core.pipeline import parse_box

    if image is None:
        return None
    try:
        loaded = read_image(image)
    except DLLabError:
        return None
    try:
        drawn = parse_box(box, loaded.original_size)
    except DLLabError:
        drawn = None
    if drawn is not None:
        x, y, w, h = drawn
        drawn = [x * loaded.scale, y * loaded.scale, w * loaded.scale, h * loaded.scale]
    return str(write_files({"original.jpg": encode_jpeg(draw_box(loaded.pixels, drawn))})[0])


@error_boundary
def pick_corner(image, corner, lang="en", evt: gr.SelectData = None):
    """Two clicks on the original make a box: the first sets one corner, the second the opposite one."""
    from core.images import read_image

    if image is None or evt is None or not isinstance(evt.index, (list, tuple)):
        return gr.skip(), None
    scale = read_image(image).scale
    x, y = evt.index[0] / scale, evt.index[1] / scale
    if corner is None:
        gr.Info(tr(lang, "augment.first_corner"))
        return gr.skip(), [x, y]
    x0, y0 = corner
    left, top = round(min(x, x0)), round(min(y, y0))
    w, h = max(1, round(abs(x - x0))), max(1, round(abs(y - y0)))
    return f"{left}, {top}, {w}, {h}", None


@error_boundary
def add_step(recipe, op, p, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi, border, expand, lang="en"):
    from core.pipeline import add_step as add, range_params, recipe_text
    from core.validate import choice

    op = choice(op, tuple(config.AUGMENT_OPS), "Operation")
    values = [(a_lo, a_hi), (b_lo, b_hi), (c_lo, c_hi)]
    params = {name: [lo, hi] for (name, _), (lo, hi) in zip(range_params(op), values)}
    specs = config.AUGMENT_OPS[op]
    if "border" in specs:
        params["border"] = border
    if "expand" in specs:
        params["expand"] = bool(expand)
    return recipe_text(add(recipe, op, p, params))


@error_boundary
def remove_last(recipe, lang="en"):
    from core.pipeline import parse_recipe, recipe_text

    return recipe_text(parse_recipe(recipe, allow_empty=True)[:-1])


@error_boundary
def load_recipe(file, lang="en"):
    from pathlib import Path

    from core.pipeline import parse_recipe, recipe_text

    if file is None:
        return gr.skip()
    raw = Path(file).read_bytes()[: config.MAX_RECIPE_CHARS * 4 + 1]
    return recipe_text(parse_recipe(raw.decode("utf-8", errors="replace")))


def default_recipe_text() -> str:
    from core.pipeline import default_recipe, recipe_text

    return recipe_text(default_recipe())


def first_photo(image, opened):
    """The first time the tab opens, with no photo yet, show the sample flower: the photo's
    change event then previews it, as after an upload, so a student sees variants at once."""
    from core.images import sample_photos

    if opened or image is not None:
        return gr.skip(), True
    return sample_photos().get(FIRST_PHOTO) or gr.skip(), True


def reroll() -> int:
    return secrets.randbelow(int(config.SEED.maximum) + 1)


def _slot_settings(op: str, lang: str) -> list[dict]:
    """Settings of the 2 × SLOTS sliders ('from' and 'to' per range parameter) for ``op``."""
    from core.pipeline import range_params

    out = []
    for name, spec in range_params(op):
        label = tr(lang, f"param.{name}")
        common = dict(minimum=spec.minimum, maximum=spec.maximum, step=spec.step, visible=True)
        out += [dict(label=f"{label} · {tr(lang, 'augment.from')}", value=spec.default[0], **common),
                dict(label=f"{label} · {tr(lang, 'augment.to')}", value=spec.default[1], **common)]
    return out + [dict(visible=False)] * (2 * SLOTS - len(out))


def _op_changed(op, lang):
    """Show the chosen op's parameters in the slots, with their ranges and defaults."""
    op = op if op in config.AUGMENT_OPS else "rotate"
    specs = config.AUGMENT_OPS[op]
    return [tr(lang, f"about_op.{op}"), *(gr.update(**s) for s in _slot_settings(op, lang)),
            gr.update(visible="border" in specs), gr.update(visible="expand" in specs)]


def build(lang: gr.State, switch: gr.Radio) -> Texts:
    """The Augment tab. ``lang`` holds the session's language, ``switch`` is the language control."""
    from core.images import sample_photos

    tx = Texts()
    with tab_with_intro(tx, "augment") as tab:
        # Inside the tab: a component left directly in gr.Tabs shifts the page's tab indices
        # (Gradio counts it as a child), and the tab after it then shows twice in the tab bar.
        corner = gr.State(None)
        opened = gr.State(False)        # whether this page has opened the tab (and been shown a photo)
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=330):
                image = tx.make(CheckedImage, label_key="field.image", type="filepath",
                                sources=["upload", "webcam", "clipboard"], height=260, elem_id="augment-image")
                photos = sample_photos()
                if photos:
                    examples = gr.Examples([[p] for p in photos.values()], inputs=image,
                                           label=tr("en", "augment.samples"))
                    tx.add(examples.dataset, label="augment.samples")
                box = tx.make(gr.Textbox, label_key="field.box", info_key="help.box", placeholder="40, 30, 120, 80",
                              max_length=100, elem_id="augment-box")
                with gr.Row():
                    n_samples = tx.make(slider_input, config.AUGMENT_SAMPLES, 1, label_key="field.variants",
                                        elem_id="augment-n")
                    seed = tx.make(number_input, config.SEED, label_key="field.seed", elem_id="augment-seed")
                with gr.Group():
                    op = tx.make(CheckedDropdown, choice_keys=OP_CHOICES, value="rotate", label_key="field.operation",
                                 elem_id="augment-op")
                    about = gr.Markdown(tr("en", "about_op.rotate"), elem_classes="dl-help")
                    p = tx.make(gr.Slider, 0, 1, value=0.5, step=0.05, label_key="field.probability",
                                info_key="help.probability", elem_id="augment-p")
                    settings = _slot_settings("rotate", "en")
                    slots = []
                    for i in range(SLOTS):
                        with gr.Row():
                            slots += [gr.Slider(**settings[2 * i]), gr.Slider(**settings[2 * i + 1])]
                    with gr.Row():
                        border = tx.make(gr.Dropdown, choice_keys=BORDER_CHOICES, value="constant",
                                         label_key="field.border")
                        expand = tx.make(gr.Checkbox, False, label_key="field.expand", info_key="help.expand")
                    with gr.Row():
                        add_btn = tx.make(gr.Button, value_key="btn.add_step", variant="secondary",
                                          elem_id="augment-add")
                        remove_btn = tx.make(gr.Button, value_key="btn.remove_step", size="sm")
                        default_btn = tx.make(gr.Button, value_key="btn.default_recipe", size="sm")
                recipe = tx.make(gr.Code, default_recipe_text(), language="json", interactive=True, lines=8,
                                 wrap_lines=True, label_key="field.recipe", elem_id="augment-recipe")
                tx.make(gr.Markdown, value_key="help.recipe", elem_classes="dl-help")
                with gr.Row():
                    upload = tx.make(gr.UploadButton, label_key="btn.load_recipe", file_types=[".json"], size="sm")
                    recipe_file = tx.make(gr.DownloadButton, label_key="btn.download_recipe", size="sm",
                                          elem_id="augment-recipe-download")

            with gr.Column(scale=2):
                with gr.Row():
                    preview = tx.make(gr.Button, value_key="btn.preview", variant="primary", elem_id="augment-button")
                    again = tx.make(gr.Button, value_key="btn.reroll", elem_id="augment-reroll")
                status = tx.make(gr.Markdown, value_key="augment.ready", until_replaced=True,
                                 elem_classes="dl-status", elem_id="augment-status")
                with gr.Row(equal_height=False):
                    original = tx.make(gr.Image, label_key="field.original", interactive=False,
                                       height=320, elem_id="augment-original", scale=1)
                    with gr.Column(scale=1):
                        timing = gr.Dataframe(interactive=False, elem_id="augment-timing")
                        tx.make(gr.Markdown, value_key="help.original", elem_classes="dl-help")
                gallery = tx.make(gr.Gallery, label_key="field.gallery", format="jpeg", columns=4,
                                  object_fit="contain", height="auto", buttons=["download", "fullscreen"],
                                  elem_id="augment-gallery")
                with tx.make(gr.Accordion, label_key="acc.augment_code", open=False, elem_id="augment-code-panel"):
                    tx.make(gr.Markdown, value_key="help.augment_code", elem_classes="dl-help")
                    code = tx.make(gr.Code, value_key="augment.code_none", until_replaced=True, language="python",
                                   interactive=False, elem_classes="dl-code", elem_id="augment-code")
                    code_file = tx.make(gr.DownloadButton, label_key="btn.download_code", size="sm")
                record = record_accordion(tx, elem_id="augment-record", panel_id="augment-record-panel")

    inputs = [image, recipe, n_samples, seed, box, lang]
    outputs = [gallery, recipe, record]
    concurrency = config.concurrency("augment")
    private = dict(api_visibility="private")
    after = dict(fn=details, inputs=[record, recipe, lang], outputs=[status, timing, code, recipe_file, code_file],
                 **private)
    # Progress and errors show on the gallery only: an "Error" cover over the recipe box would
    # hide the very text the student has to fix (the message itself is in the toast).
    progress = dict(show_progress_on=gallery)
    run_auto = dict(fn=auto_preview, inputs=inputs, outputs=outputs, **concurrency, **private, **progress)
    edit = dict(**progress, **private)                      # recipe edits write the box, but never cover it

    preview.click(augment, inputs, outputs, api_name="augment", **concurrency, **progress).success(**after)
    again.click(reroll, None, seed, queue=False, **private).success(**run_auto).success(**after)
    box.submit(**run_auto).success(**after)
    image.change(show_original, [image, box], original, **private).success(**run_auto).success(**after)
    tab.select(first_photo, [image, opened], [image, opened], queue=False, **private)    # previewed by the line above
    box.change(show_original, [image, box], original, **private)
    original.select(pick_corner, [image, corner, lang], [box, corner], **private) \
        .success(preview_after_click, [*inputs[:-1], corner, lang], outputs, **concurrency, **private, **progress) \
        .success(**after)

    op.change(_op_changed, [op, lang], [about, *slots, border, expand], queue=False, **private)
    switch.change(_op_changed, [op, switch], [about, *slots, border, expand], queue=False, **private)
    add_btn.click(add_step, [recipe, op, p, *slots, border, expand, lang], recipe, **edit) \
        .success(**run_auto).success(**after)
    remove_btn.click(remove_last, [recipe, lang], recipe, **edit).success(**run_auto).success(**after)
    default_btn.click(default_recipe_text, None, recipe, queue=False, **private) \
        .success(**run_auto).success(**after)
    upload.upload(load_recipe, [upload, lang], recipe, **edit).success(**run_auto).success(**after)
    return tx
