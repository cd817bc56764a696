"""The summary command's table: a model's layers, output shapes and parameter counts.

One table per language (presentation/summary.py reads them); :mod:`presentation.i18n` merges them and looks keys up.
"""

EN: dict[str, str] = {
    "summary.title": "Model summary (input {input})",
    "summary.col.layer": "Layer (type)",
    "summary.col.output": "Output Shape",
    "summary.col.params": "Param #",
    "summary.total": "Total params: {total}",
    "summary.formula": "conv: (HH·WW·C + b)·F; conv_table: Σ_f (HH·WW·|T_f| + b), b = 1 (0 with nobias); "
                       "dense: (inputs + 1)·units; subsample: 2 per map; rbf: inputs·units; pooling, flatten: 0",
}

ZH: dict[str, str] = {
    "summary.title": "模型概要(输入 {input})",
    "summary.col.layer": "层(类型)",
    "summary.col.output": "输出形状",
    "summary.col.params": "参数个数",
    "summary.total": "参数总数:{total}",
    "summary.formula": "卷积:(HH·WW·C + b)·F;部分连接卷积:Σ_f (HH·WW·|T_f| + b),b = 1(nobias 时为 0);"
                       "全连接:(输入数 + 1)·单元数;下采样:每个特征图 2 个;RBF:输入数·单元数;池化与展平:0",
}
