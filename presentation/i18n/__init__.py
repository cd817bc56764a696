r"""All user-facing text, one table per language and area. Renderers look text up by key; nothing else holds prose.

The tables live beside this module by meaning (``derive``, ``steps``, ``tour``, ``check``, ``grade``), and the
checker's own sentences in :mod:`checker.messages`; ``EN`` and ``ZH`` here are their union. The language
comes from ``--lang`` or the ``GRADPROOF_LANG`` environment variable; English by default. A key missing
from a language falls back to English, so a new screen never crashes a translation.

Chinese uses the terms learners know from the course notes: 卷积, 卷积核/滤波器, 池化, 最大池化, 平均池化,
步长, 填充, 反向传播, 残差.

>>> text("title", "en")
'gradproof'
>>> text("no.such.key", "zh")
'no.such.key'
"""
from __future__ import annotations

from checker import messages
from checker.messages import LANGS, lookup, resolve_lang

from . import check, derive, grade, network, steps, summary, tour, tour_cnn

__all__ = ["EN", "LANGS", "ZH", "resolve_lang", "text"]

_AREAS = (derive, steps, tour, tour_cnn, check, grade, summary, network, messages)
EN: dict[str, str] = {"title": "gradproof"}
ZH: dict[str, str] = {"title": "gradproof"}
for _area in _AREAS:
    assert not (set(_area.EN) & set(EN)), "a key is defined in two areas"  # one sentence per key
    EN.update(_area.EN)
    ZH.update(_area.ZH)

_TABLES = {"en": EN, "zh": ZH}


def text(key: str, lang: str = "en", **fields) -> str:
    """The text for ``key`` in ``lang`` (English if missing there), formatted with ``fields``."""
    return lookup(_TABLES, key, lang, fields)
