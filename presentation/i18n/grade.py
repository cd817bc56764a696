"""The grader's reports and the homework command's messages.

One table per language (presentation/grading.py reads them); :mod:`presentation.i18n` merges them and looks keys up.
"""

EN: dict[str, str] = {
    "grade.function": "function",
    "grade.part": "part",
    "grade.cases": "cases passed",
    "grade.points": "points",
    "grade.likely": "Likely mistake",
    "grade.see": "See the right rule",
    "grade.smallest": "Smallest failing case",
    "grade.printed": "Your code printed",
    "grade.seed": "Input values of this run: seed {seed} (grade with --seed {seed} to get the same cases again)",
    "grade.summary": "Submissions graded",
    "grade.band": "score band",
    "grade.progress": "grading",
    "homework.init_alone": "Wrote {path} ({interface} interface). Hand it to students; this interface has no self-check (its layers are classes).",
    "homework.init": "Wrote {path} and {selfcheck} ({interface} interface). Hand both to students: they fill in the first and check it with python {selfcheck} (numpy only; it holds no reference solution).",
    "homework.gradescope": "Wrote setup.sh, run_autograder, a gradproof wheel and requirements.lock in {dir}; upload {zip} as the Gradescope autograder.",
}

ZH: dict[str, str] = {
    "grade.function": "函数",
    "grade.part": "部分",
    "grade.cases": "通过的用例",
    "grade.points": "得分",
    "grade.likely": "可能的错误",
    "grade.see": "查看正确的推导",
    "grade.smallest": "最小的失败用例",
    "grade.printed": "你的代码输出",
    "grade.seed": "本次评分的输入值：种子 {seed}（用 --seed {seed} 重新评分可得到相同的用例）",
    "grade.summary": "已评分的提交",
    "grade.band": "分数段",
    "grade.progress": "评分中",
    "homework.init_alone": "已写入 {path}（{interface} 接口）。发给学生填写；该接口没有自查脚本（它的层是类）。",
    "homework.init": "已写入 {path} 和 {selfcheck}（{interface} 接口）。两个文件都发给学生：学生完成前者，再用 python {selfcheck} 自查（只需 numpy，不含参考答案）。",
    "homework.gradescope": "已在 {dir} 写入 setup.sh、run_autograder、gradproof 的 wheel 和 requirements.lock；把 {zip} 作为 Gradescope 自动评分器上传。",
}
