"""Homework grading: interfaces, a sandboxed child per student function, diagnosis, scores and reports.

Everything here decides in the grader's process by comparing arrays; student code only ever runs in
the sandbox child (``sandbox.run_function``). Entry points: ``grade.grade_submission`` for one
submission, ``batch.grade_batch`` for a class.
"""

# The grader's own packages: they hold the reference answers, so a child may not import them and other
# users may not read them. The one list that the sandbox, the import blocker and setup.sh read.
GRADER_PACKAGES = ("checker", "commands", "derivations", "grading", "presentation")
# Autodiff frameworks: a submission may not import them unless the instructor allows one (--allow).
FRAMEWORKS = ("torch", "jax", "jaxlib", "tensorflow", "autograd")
# What a child may not import by default: the grader's packages always, the frameworks unless allowed.
BLOCKED = (*GRADER_PACKAGES, *FRAMEWORKS)
