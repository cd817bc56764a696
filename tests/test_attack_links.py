"""Attack class: links and special files in a submission or a batch folder. Nothing is followed, nothing
linked is read (so a root-only file never reaches a child or a report), a FIFO never hangs the batch."""
import os

from attack_kit import CORRECT, assert_contained, attack


def test_links_fifos_and_hard_links_score_zero_and_leak_nothing(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("ROOT_ONLY_TEXT = 1\n" + CORRECT)
    secret.chmod(0o600)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "layers.py").write_text(CORRECT)
    d = tmp_path / "class"
    d.mkdir()
    (d / "link_folder").mkdir()
    os.symlink(secret, d / "link_folder" / "layers.py")           # a linked .py inside a folder
    (d / "helper_zero").mkdir()
    (d / "helper_zero" / "layers.py").write_text(CORRECT)
    os.symlink("/dev/zero", d / "helper_zero" / "helper.py")        # would exhaust memory if read
    (d / "fifo").mkdir()
    (d / "fifo" / "layers.py").write_text(CORRECT)
    os.mkfifo(d / "fifo" / "helper.py")                             # would hang the batch if opened blocking
    os.symlink(outside / "layers.py", d / "linked_entry.py")       # a batch entry that is a link
    os.symlink(outside, d / "linked_dir")                           # a batch folder that is a link
    (d / "hard").mkdir()
    os.link(secret, d / "hard" / "layers.py")                       # a hard link to a file its owner closed
    attackers = ["link_folder", "helper_zero", "fifo", "linked_entry.py", "linked_dir", "hard"]
    by = attack(tmp_path, {})
    assert_contained(by, attackers)
    for a in attackers:
        assert by[a]["status"].startswith("not graded") and "ROOT_ONLY_TEXT" not in str(by[a])
    assert "ROOT_ONLY_TEXT" not in (tmp_path / "log.jsonl").read_text()
