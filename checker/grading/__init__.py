"""Homework grading: interfaces, a sandboxed child per student function, diagnosis, scores and reports.

Everything here decides in the grader's process by comparing arrays; student code only ever runs in
the sandbox child (``sandbox.run_function``). Entry points: ``grade.grade_submission`` for one
submission, ``batch.grade_batch`` for a class.
"""
