"""Attack class: floods. A 20 MB exception message, an output flood, a 3000-deep directory tree and
thousands of files: each bounded before it reaches the grader's memory, its reports or its disk."""
import json
import os
import tempfile
from pathlib import Path

from attack_kit import assert_contained, attack, example
from grading.frames import MAX_ERROR_CHARS
from grading.sandbox import Limits, remove_tree


def test_a_huge_message_is_capped_in_every_record(tmp_path):
    by = attack(tmp_path, {"huge_error.py": example("huge_error.py"), "flood.py": example("flood.py")})
    assert_contained(by, ["huge_error.py", "flood.py"])
    # per function: its output (cut at Limits.output_bytes) and at most 3 messages for each of at most 3 parts,
    # plus the load error, each cut at MAX_ERROR_CHARS (the 20 MB message was a 461 MB report before)
    bound = 4 * (Limits().output_bytes + 20 * MAX_ERROR_CHARS)
    for name in ("huge_error.py", "flood.py"):
        assert len(json.dumps(by[name])) < bound
    text = json.dumps(by["huge_error.py"], ensure_ascii=False)
    assert "[2J" in text and not any(c in text for c in "\x1b\x07\x00\x0b")  # its escapes arrive defused
    assert os.path.getsize(tmp_path / "log.jsonl") < 4_000_000


def test_a_deep_tree_and_many_files_are_cleaned_without_recursion_errors(tmp_path, monkeypatch):
    tmp = Path(tempfile.mkdtemp(prefix="gradproof-test-", dir="/tmp"))
    tmp.chmod(0o711)  # the uid-mode children must reach their folders below it
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    try:
        by = attack(tmp_path, {"deep_tree.py": example("deep_tree.py")})
        assert_contained(by, ["deep_tree.py"])
        assert not list(tmp.glob("gradproof-sub-*"))  # every child's folder removed, however deep
    finally:
        remove_tree(str(tmp))
