r"""All user-facing text, one table per language. Renderers look text up by key; nothing else holds prose.

The language comes from ``--lang`` or the ``GRADPROOF_LANG`` environment variable; English by default.
A key missing from a language falls back to English, so a new screen never crashes a translation.

>>> text("title", "en")
'gradproof'
>>> text("no.such.key", "zh")
'no.such.key'
"""
from __future__ import annotations

import os

LANGS = ("en", "zh")

EN: dict[str, str] = {
    "title": "gradproof",
}

# Terms learners know from the course notes: 卷积, 卷积核/滤波器, 池化, 最大池化, 平均池化, 步长, 填充, 反向传播, 残差.
ZH: dict[str, str] = {
    "title": "gradproof",
}

_TABLES = {"en": EN, "zh": ZH}


def resolve_lang(lang: str | None = None) -> str:
    """The language to use: the argument, else ``GRADPROOF_LANG``, else English; ValueError if unknown."""
    lang = lang or os.environ.get("GRADPROOF_LANG") or "en"
    if lang not in _TABLES:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def text(key: str, lang: str = "en", **fields) -> str:
    """The text for ``key`` in ``lang`` (English if missing there), formatted with ``fields``."""
    template = _TABLES.get(lang, EN).get(key) or EN.get(key) or key
    return template.format(**fields) if fields else template
