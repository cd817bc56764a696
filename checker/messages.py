r"""The checker's sentences, English and Chinese: plain data and the one lookup that reads them.

A check reports what it did or found as :class:`checker.result.Note` keys with fields; these tables turn
them (and :meth:`CheckResult.summary`'s lines) into sentences, so the checker needs nothing from
presentation/. presentation/i18n reads the same tables and the same lookup for its own text.

>>> sentence("summary.off", "en", n=3, total=9)
'3 of 9 elements off'
>>> sentence("summary.off", "zh", n=3, total=9)
'9 项中有 3 项出错'
"""
from __future__ import annotations

import os

from derivations._validate import one_of

LANGS = ("en", "zh")

EN: dict[str, str] = {
    "check.directional": "along a random direction: backward {got}, numeric {num} ± {tol} (a directional check cannot say which element is wrong)",
    "note.mutated": "{function} modified its input {arg} in place",
    "summary.ok": "backward matches finite differences ({mode} mode)",
    "summary.bad": "backward does NOT match finite differences ({mode} mode)",
    "summary.mutated": "every gradient matches finite differences ({mode} mode), but {what}: copy an input before writing to it",
    "summary.off": "{n} of {total} elements off",
    "summary.pattern": "pattern: {patterns}",
    "summary.note": "note: {note}",
    "note.float32_in_float64": "float32 inputs: the function follows its input dtype, so differences ran in float64; the float32 gradient is judged with float32 round-off added to each tolerance",
    "note.float32_roundoff": "the function computes in float32: every tolerance uses float32 round-off (eps {eps})",
    "note.kinks": "d{arg}: {count} elements within a step of a kink (ReLU at 0, a max-pool tie); policy: {policy} (interval = accepted between the one-sided differences)",
    "note.precision_only": "d{arg}: {count} elements differ by more than float64 round-off but within float32 round-off: precision only, not logic",
    "note.no_structure": "d{arg}: no structure given for compressed mode, checked element by element",
    "note.directional": "directional mode: one random direction through all inputs, no localisation",
    "note.float16": "forward computes in float16 (eps 9.8e-04): finite differences there resolve about 1% of a slope, too coarse for a verdict. Check the layer in float32 or float64",
    "note.screened": "d{arg}: checked along a random direction through all its entries at once ({calls} forward calls) and it matched, so no entry needed localising; mode='element' checks every entry alone",
    "note.located": "d{arg}: the projection disagreed; halving the entries along fresh random directions left {count} suspect entries, each then differenced alone ({calls} forward calls); the other entries matched along those directions",
    "note.strength": "d{arg}: an entry of typical size off by more than {rel} (relative) would have been caught",
    "note.forward_tuple": "forward returned {count} values, e.g. a cs231n layer's (out, cache): the checker needs the output alone. Wrap the layer with checker.cs231n_pair(layer_forward, layer_backward, *params)",
    "note.nondeterministic": "{function} is not deterministic: the same inputs twice gave different results, so finite differences would measure noise. Fix its random state, e.g. pass a seeded Generator (np.random.default_rng(0)) or a fixed mask",
    "pattern.border": "only the border ({v} deep)",
    "pattern.one-channel": "only index {v} of axis 1 (a channel)",
    "pattern.one-sample": "only index {v} of axis 0 (a sample or filter)",
    "pattern.factor": "every entry off by a constant factor {v}",
    "pattern.transposed": "the last two axes transposed",
    "pattern.rotated": "rotated by 180 degrees",
    "pattern.ties-whole": "every tied maximum got the whole upstream gradient (so a k-way tie passes k times it back): route it to one maximum, or split it with weights that sum to 1",
    "pattern.ties-sum": "the gradients of tied entries do not add up to the slope of raising them together: a tie's upstream gradient must be split over the tied maxima with weights that sum to 1",
    "check.tie_line": "d{arg}: {n} tied entries raised together (from [{first}]): backward sum {got}, numeric {num} ± {tol}",
}

ZH: dict[str, str] = {
    "check.directional": "沿一个随机方向:反向传播 {got},数值 {num} ± {tol}(方向检验无法指出哪一项错了)",
    "note.mutated": "{function} 原地修改了输入 {arg}",
    "summary.ok": "反向传播与有限差分一致({mode} 模式)",
    "summary.bad": "反向传播与有限差分不一致({mode} 模式)",
    "summary.mutated": "每个梯度都与有限差分一致({mode} 模式),但{what}:写入输入之前请先复制",
    "summary.off": "{total} 项中有 {n} 项出错",
    "summary.pattern": "规律:{patterns}",
    "summary.note": "注:{note}",
    "note.float32_in_float64": "float32 输入:函数随输入的 dtype 计算,所以差分在 float64 下进行;float32 的梯度按加上 float32 舍入误差的容差判断",
    "note.float32_roundoff": "函数总在 float32 下计算:所有容差都用 float32 的舍入误差(eps {eps})",
    "note.kinks": "d{arg}:{count} 项离折点(ReLU 的 0 点、最大池化的并列最大值)不到一个步长;处理方式:{policy}(interval = 落在左右单侧差分之间即接受)",
    "note.precision_only": "d{arg}:{count} 项的差别超过 float64 舍入误差,但在 float32 舍入误差之内:只是精度问题,不是逻辑错误",
    "note.no_structure": "d{arg}:压缩模式没有给出结构,逐项检验",
    "note.directional": "方向模式:沿所有输入的一个随机方向检验,无法定位",
    "note.float16": "forward 在 float16 下计算(eps 9.8e-04):有限差分只能分辨约 1% 的斜率,不足以下结论。请在 float32 或 float64 下检验这一层",
    "note.screened": "d{arg}:沿一个穿过所有项的随机方向检验({calls} 次前向调用),结果一致,无需逐项定位;mode='element' 会逐项检验",
    "note.located": "d{arg}:随机方向检验不一致;沿新的随机方向逐次二分,剩下 {count} 个可疑项,再逐项差分({calls} 次前向调用);其余各项沿这些方向都一致",
    "note.strength": "d{arg}:典型大小的项只要相对误差超过 {rel} 就会被发现",
    "note.forward_tuple": "forward 返回了 {count} 个值,例如 cs231n 层的 (out, cache):检验只需要输出本身。请用 checker.cs231n_pair(layer_forward, layer_backward, *params) 包装这一层",
    "note.nondeterministic": "{function} 不是确定性的:同样的输入两次给出不同的结果,有限差分只会测到噪声。请固定它的随机状态,例如传入一个带种子的 Generator(np.random.default_rng(0))或固定的掩码",
    "pattern.border": "只在边缘({v} 层)",
    "pattern.one-channel": "只在第 1 轴的第 {v} 个(一个通道)",
    "pattern.one-sample": "只在第 0 轴的第 {v} 个(一个样本或卷积核)",
    "pattern.factor": "每一项都差一个常数倍 {v}",
    "pattern.transposed": "最后两个轴转置了",
    "pattern.rotated": "旋转了 180 度",
    "pattern.ties-whole": "每个并列的最大值都拿到了整个上游梯度(k 个并列就传回 k 倍):只传给一个最大值,或者按和为 1 的权重分给它们",
    "pattern.ties-sum": "并列项的梯度之和不等于把它们一起增大时的斜率:一个窗口的上游梯度应按和为 1 的非负权重分给并列的最大值",
    "check.tie_line": "d{arg}:{n} 个并列项一起增大(从 [{first}] 起):反向传播之和 {got},数值 {num} ± {tol}",
}

MESSAGES = {"en": EN, "zh": ZH}


def resolve_lang(lang: str | None = None) -> str:
    """The language to use: the argument, else ``GRADPROOF_LANG``, else English; GradproofError if unknown.

    >>> resolve_lang("zh")
    'zh'
    """
    return one_of("lang", lang or os.environ.get("GRADPROOF_LANG") or "en", LANGS)


def lookup(tables: dict[str, dict[str, str]], key: str, lang: str, fields: dict) -> str:
    """The text for ``key`` in ``tables[lang]`` (English if missing there, else the key), formatted with
    ``fields``: a new key never crashes a translation.

    >>> lookup(MESSAGES, "no.such.key", "zh", {})
    'no.such.key'
    """
    template = tables.get(lang, tables["en"]).get(key) or tables["en"].get(key) or key
    return template.format(**fields) if fields else template


def sentence(key: str, lang: str | None = None, **fields) -> str:
    """A checker sentence in ``lang`` (None: ``GRADPROOF_LANG``, else English)."""
    return lookup(MESSAGES, key, resolve_lang(lang), fields)
