"""The two kinds of case: each checks its own fields, shrinks within its own kind and names its own command."""
import pytest

from derivations._validate import GradproofError
from grading.geometry import ConvConfig, PoolConfig


def test_bad_config_names_the_argument():
    with pytest.raises(ValueError, match="stride"):
        ConvConfig(1, 1, 4, 4, 1, 3, 3, stride=0)
    with pytest.raises(ValueError, match="window"):
        PoolConfig(1, 1, 2, 2, 3, 3, 1)
    with pytest.raises(GradproofError, match="pool_h"):
        PoolConfig(1, 1, 4, 4, 0, 2, 1)
    with pytest.raises(GradproofError, match="do not overlap"):
        PoolConfig(1, 1, 4, 4, 2, 2, 1, ties=True)


@pytest.mark.parametrize("cfg", [ConvConfig(2, 2, 5, 4, 2, 3, 2, stride=2, pad=1), PoolConfig(2, 1, 4, 5, 2, 2, 1)])
def test_smaller_cases_keep_their_kind_and_cut_only_its_fields(cfg):
    cands = cfg.smaller()
    assert cands and all(type(c) is type(cfg) and c.size < cfg.size for c in cands)
    assert [c.size for c in cands] == sorted(c.size for c in cands)
    kept = set(type(cfg).__dataclass_fields__) - set(cfg.SHRINKS)
    assert all(getattr(c, f) == getattr(cfg, f) for c in cands for f in kept)   # label and ties stay


def test_each_kind_names_its_own_derivation():
    assert ConvConfig(1, 1, 5, 5, 1, 3, 3, stride=2, pad=1).command("max-pool").startswith("gradproof derive conv ")
    pool = PoolConfig(1, 1, 4, 4, 2, 2, 2)
    assert pool.command("mean-pool") == "gradproof derive mean-pool --input 4x4 --window 2x2 --stride 2"
    assert pool.command(values=range(16, 0, -1)).endswith("--values " + ",".join(map(str, range(16, 0, -1))))
