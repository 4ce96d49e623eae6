"""DL Lab's words, in English and 简体中文, one module per tab.

Each module holds an ``EN`` and a ``ZH`` dict; this package merges them into one table per
language (``from tabs.strings import EN, ZH``). Keys: ``field.*`` control labels (also used
inside error messages), ``help.*`` the short explanations beside controls, ``error.*`` core's
error keys (English from core/messages.py), ``plot.*`` words on figures. Placeholders in
braces must match in both languages, and no key may be missing in either (tests check both).
"""

from importlib import import_module

# A new tab's words: add its module's name here.
MODULES = ("app", "train", "augment", "generate", "transcribe", "quantize", "pretrain", "errors")


def _merged(language: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for name in MODULES:
        part = getattr(import_module(f"{__name__}.{name}"), language)
        twice = sorted(table.keys() & part.keys())
        if twice:
            raise ImportError(f"tabs/strings/{name}.py defines {language} keys another module has: {twice}")
        table.update(part)
    return table


EN = _merged("EN")
ZH = _merged("ZH")
STRINGS = {"en": EN, "zh": ZH}
