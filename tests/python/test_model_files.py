"""Model files: versioned, validated on load, written atomically."""

from __future__ import annotations

import os

import pytest
import torch

import fastac


def test_truncated_corrupted_and_wrong_version_files_raise_value_error(tmp_path):
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    good = tmp_path / "good.pt"
    policy.save(good)
    data = good.read_bytes()

    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cannot read a fastac model"):
        fastac.load(truncated)

    corrupted = tmp_path / "corrupted.pt"
    corrupted.write_bytes(data[:100] + bytes(b ^ 0xFF for b in data[100:200]) + data[200:])
    with pytest.raises(ValueError):
        fastac.load(corrupted)

    payload = torch.load(good, weights_only=True)
    payload["version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(ValueError, match="format version 99"):
        fastac.load(tmp_path / "future.pt")

    with pytest.raises(ValueError, match="cannot read"):
        fastac.load(tmp_path / "missing.pt")


def test_a_crash_during_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    old = fastac.ActorCriticPolicy(4, 2, seed=0)
    old.save(path)
    before = path.read_bytes()

    def crash(obj, f, *args, **kwargs):
        f.write(b"half a model")  # the write dies part-way (save serializes to a buffer first)
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        fastac.ActorCriticPolicy(4, 2, seed=1).save(path)
    assert path.read_bytes() == before
    monkeypatch.undo()
    assert fastac.load(path).state_dict()["actor.weight"].equal(old.state_dict()["actor.weight"])
    assert [p for p in os.listdir(tmp_path) if p != "model.pt"] == []  # no temporary left behind
