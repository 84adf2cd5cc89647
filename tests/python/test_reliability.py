"""Reliability, round two (issue 11): no aborts, no hangs, no silent acceptance, files that
cannot be abused.

Saving through unpredictable O_EXCL temporaries, exports that fail with an OSError on a
full disk, model files validated before anything is built, non-finite observations refused,
Discrete spaces with a start, the command line's --save check, default eval env and
SIGTERM/SIGINT handling, the progress bar's end, and bad arguments naming the parameter.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

import fastac
from fastac import _core
from fastac.policy import parameter_shapes

# --------------------------------------------------------------------------------------
# 1. Atomic writes: unpredictable temporaries, no symlink followed, nothing left behind
# --------------------------------------------------------------------------------------


def _listing(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def test_save_never_follows_a_symlink_planted_at_a_predictable_name(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    models = tmp_path / "models"
    models.mkdir()
    path = models / "m.pt"
    # The names the old code used (<path>.tmp<pid>) and other plausible ones, for this
    # process and its neighbours.
    pids = [os.getpid() + d for d in range(-2, 3)]
    planted = [f"m.pt.tmp{pid}" for pid in pids] + ["m.pt.tmp", "m.pt~", ".m.pt.tmp", "m.pt.part", ".m.pt"]
    for name in planted:
        os.symlink(victim, models / name)

    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    policy.save(path)
    policy.export_torchscript(models / "m.ts")
    policy.export_program(models / "m.pt2")

    assert victim.read_bytes() == b"precious"
    for name in planted:
        assert (models / name).is_symlink() and os.readlink(models / name) == str(victim)
    for name in ("m.pt", "m.ts", "m.pt2"):
        assert stat.S_ISREG(os.lstat(models / name).st_mode)
    assert _listing(models) == sorted(planted + ["m.pt", "m.ts", "m.pt2"])  # no temporary left
    assert fastac.load(path).state_dict()["actor.weight"].equal(policy.state_dict()["actor.weight"])


def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    path = tmp_path / "m.pt"
    os.symlink(victim, path)
    fastac.ActorCriticPolicy(4, 2, seed=0).save(path)
    assert victim.read_bytes() == b"precious"
    assert stat.S_ISREG(os.lstat(path).st_mode)
    fastac.load(path)


def test_file_modes_follow_the_umask_or_the_replaced_file(tmp_path):
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    mask = os.umask(0o027)
    try:
        policy.save(tmp_path / "new.pt")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.pt").st_mode) == 0o640  # not mkstemp's 0600
    os.chmod(tmp_path / "new.pt", 0o604)
    policy.save(tmp_path / "new.pt")
    assert stat.S_IMODE(os.stat(tmp_path / "new.pt").st_mode) == 0o604


def _failing_writes(monkeypatch, directory: Path) -> list[int]:
    """os.write to a file under ``directory`` writes a little, then fails as a full disk does."""
    real_write = os.write
    calls: list[int] = []

    def write(fd, data):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.startswith(str(directory)):
            calls.append(fd)
            if len(calls) == 1:
                return real_write(fd, bytes(data)[:100])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    return calls


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc/self/fd")
@pytest.mark.parametrize("method, name", [("save", "m.pt"), ("export_torchscript", "m.ts"),
                                          ("export_program", "m.pt2")])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, method, name):
    path = tmp_path / name
    getattr(fastac.ActorCriticPolicy(4, 2, seed=0), method)(path)
    before = path.read_bytes()
    calls = _failing_writes(monkeypatch, tmp_path)
    with pytest.raises(OSError) as info:
        getattr(fastac.ActorCriticPolicy(4, 2, hidden_sizes=(64,), seed=1), method)(path)
    monkeypatch.undo()
    assert calls, "the injected failure was not reached"
    assert info.value.errno == errno.ENOSPC and name in str(info.value)
    assert path.read_bytes() == before
    assert _listing(tmp_path) == [name]


def test_save_into_a_missing_directory_is_an_oserror_naming_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="m.pt"):
        fastac.ActorCriticPolicy(4, 2).save(tmp_path / "no" / "m.pt")


# --------------------------------------------------------------------------------------
# 2. Exports: a full disk is an OSError (not an abort), no stray warnings
# --------------------------------------------------------------------------------------

FULL_DISK_SCRIPT = textwrap.dedent(
    """
    import json, os, resource, signal, sys
    import fastac

    out = sys.argv[1]
    policy = fastac.ActorCriticPolicy(4, 2, hidden_sizes=(256, 256), seed=0)
    names = {"save": "m.pt", "export_torchscript": "m.ts", "export_program": "m.pt2"}
    small = fastac.ActorCriticPolicy(4, 2, hidden_sizes=(8,), seed=1)
    for method, name in names.items():
        getattr(small, method)(os.path.join(out, name))  # the old files, small enough
    before = {name: open(os.path.join(out, name), "rb").read() for name in names.values()}
    # A full disk without root: files may not grow beyond 20 KB (write fails with EFBIG).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
    report = {}
    for method, name in names.items():
        try:
            getattr(policy, method)(os.path.join(out, name))
            report[method] = "no error"
        except OSError as error:
            report[method] = os.strerror(error.errno)
    report["unchanged"] = all(open(os.path.join(out, n), "rb").read() == b for n, b in before.items())
    report["files"] = sorted(os.listdir(out))
    print(json.dumps(report))
    """
)


def test_a_full_disk_during_save_or_export_is_an_oserror_not_an_abort(tmp_path):
    proc = subprocess.run([sys.executable, "-c", FULL_DISK_SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]  # torch's writer used to abort (134)
    report = json.loads(proc.stdout.splitlines()[-1])
    big = os.strerror(errno.EFBIG)
    assert (report["save"], report["export_torchscript"], report["export_program"]) == (big, big, big)
    assert report["unchanged"]
    assert report["files"] == ["m.pt", "m.pt2", "m.ts"]


def test_exports_print_no_torch_warnings_and_load_back(tmp_path, capfd):
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        policy.export_torchscript(tmp_path / "m.ts")
        policy.export_torchscript(tmp_path / "m.ts")
        policy.export_program(tmp_path / "policy.bin")  # a name torch would warn about
    assert [str(w.message) for w in caught] == []
    err = capfd.readouterr().err
    assert "Expect archive" not in err and ".tmp" not in err and "policy.bin" not in err

    obs = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    logits, values = policy.forward(obs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.load's own, the caller's business
        scripted = torch.jit.load(str(tmp_path / "m.ts"))
    np.testing.assert_allclose(scripted(torch.from_numpy(obs))[0].detach().numpy(), logits, rtol=1e-5, atol=1e-6)
    program = torch.export.load(str(tmp_path / "policy.bin")).module()
    np.testing.assert_allclose(program(torch.from_numpy(obs))[1].detach().numpy(), values, rtol=1e-5, atol=1e-6)


def test_only_torchscripts_own_deprecation_warnings_are_silenced(tmp_path, monkeypatch):
    real_script = torch.jit.script

    def script(module):
        warnings.warn("some other deprecation", DeprecationWarning)
        return real_script(module)

    monkeypatch.setattr(torch.jit, "script", script)
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        policy.export_torchscript(tmp_path / "m.ts")
        warnings.warn("`torch.jit.script` is deprecated", DeprecationWarning)  # outside the export: shown
    assert [str(w.message) for w in caught] == ["some other deprecation", "`torch.jit.script` is deprecated"]


# --------------------------------------------------------------------------------------
# 3. Model files: every defect is a ValueError naming the file; checked before building
# --------------------------------------------------------------------------------------


def _payload(policy: fastac.ActorCriticPolicy, tmp_path: Path) -> dict:
    policy.save(tmp_path / "good.pt")
    return torch.load(tmp_path / "good.pt", weights_only=True)


def _write(tmp_path: Path, payload: dict, name: str = "bad.pt") -> Path:
    path = tmp_path / name
    torch.save(payload, path)
    return path


@pytest.fixture(scope="module")
def good_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.pt"
    fastac.ActorCriticPolicy(4, 2, seed=0, metadata={"env": "fastac/CartPole-v1"}).save(path)
    return path


@pytest.fixture
def no_network_built(monkeypatch):
    """Fails the test if a network is constructed (the file must be refused before)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a network was built for a file that should have been refused")

    monkeypatch.setattr(_core, "ActorCritic", refuse)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda p: p.pop("state_dict"), "no 'state_dict'"),
        (lambda p: p.pop("metadata"), "no 'metadata'"),
        (lambda p: p.pop("architecture"), "no 'architecture'"),
        (lambda p: p["architecture"].pop("hidden_sizes"), "no 'hidden_sizes'"),
        (lambda p: p["architecture"].pop("observation_size"), "no 'observation_size'"),
        (lambda p: p["architecture"]["action_space"].pop("n"), "no 'n'"),
        (lambda p: p["state_dict"].pop("actor.bias"), "missing 'actor.bias'"),
        (lambda p: p["state_dict"].update(extra=torch.zeros(1)), "unexpected entries 'extra'"),
        (lambda p: p.update(architecture=[1, 2]), "'architecture' is a list"),
        (lambda p: p.update(metadata="x"), "'metadata' is a str"),
        (lambda p: p.update(state_dict=[1]), "not a dict of tensors"),
        (lambda p: p["architecture"].update(hidden_sizes=[64]), "has shape"),
        (lambda p: p["architecture"].update(hidden_sizes="128"), "hidden_sizes must be a list"),
        (lambda p: p["architecture"].update(observation_size=-1), "observation_size must be in"),
        (lambda p: p["architecture"].update(observation_size=5.0), "observation_size must be an integer"),
        (lambda p: p["architecture"]["action_space"].update(n=3), "['actor.weight'] has shape"),
        (lambda p: p["architecture"].update(action_space={"type": "Box", "shape": [1], "low": [-1], "high": [1]}),
         "Box"),
        (lambda p: p["architecture"].update(action_space={"type": "Tuple"}), "unknown action space"),
        (lambda p: p["state_dict"]["trunk.0.weight"].__setitem__((0, 0), float("nan")), "NaN or infinite"),
        (lambda p: p["state_dict"]["critic.bias"].fill_(float("inf")), "NaN or infinite"),
        (lambda p: p["state_dict"].update({"actor.bias": p["state_dict"]["actor.bias"].double() + 1e300}),
         "NaN or infinite"),
        (lambda p: p["state_dict"].update({"actor.bias": torch.ones(2, dtype=torch.int64)}), "floating-point"),
        (lambda p: p["state_dict"].update({"actor.bias": "weights"}), "not a tensor"),
        (lambda p: p.update(version=True), "format version True"),
    ],
)
def test_defective_files_are_value_errors_naming_the_file(tmp_path, good_file, no_network_built, edit, message):
    payload = torch.load(good_file, weights_only=True)
    edit(payload)
    path = _write(tmp_path, payload)
    with pytest.raises(ValueError, match="bad.pt") as info:
        fastac.load(path)
    assert message in str(info.value)


def test_a_text_file_and_other_non_archives_are_value_errors(tmp_path, good_file):
    text = tmp_path / "notes.pt"
    text.write_text("hello world\n")  # torch.load: KeyError: 101
    with pytest.raises(ValueError, match="notes.pt.*not a torch zip archive"):
        fastac.load(text)
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.pt"):
        fastac.load(empty)
    with pytest.raises(ValueError, match="not a regular file"):
        fastac.load(tmp_path)
    legacy = tmp_path / "legacy.pt"
    torch.save(torch.load(good_file, weights_only=True), legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="legacy.pt.*not a torch zip archive"):
        fastac.load(legacy)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "model.pt"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    thread = threading.Thread(target=lambda: outcome.append(pytest.raises(ValueError, fastac.load, fifo).value),
                              daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "fastac.load hung on a FIFO"
    assert "not a regular file" in str(outcome[0])


def test_compressed_or_oversized_archive_entries_are_refused(tmp_path, good_file):
    deflated = tmp_path / "deflated.pt"
    with zipfile.ZipFile(good_file) as src, zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    with pytest.raises(ValueError, match="deflated.pt.*compressed"):
        fastac.load(deflated)

    data = bytearray(good_file.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central directory entry: claim 1 GB uncompressed
    data[entry + 24: entry + 28] = (10**9).to_bytes(4, "little")
    oversized = tmp_path / "oversized.pt"
    oversized.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="oversized.pt"):
        fastac.load(oversized)


def test_a_small_file_claiming_a_huge_network_is_refused_quickly(tmp_path, good_file, no_network_built):
    payload = torch.load(good_file, weights_only=True)
    payload["architecture"]["hidden_sizes"] = [1000] * 300
    path = _write(tmp_path, payload)
    assert path.stat().st_size < 8192
    started = time.perf_counter()
    with pytest.raises(ValueError, match="bad.pt.*'trunk.2.weight'"):
        fastac.load(path)
    assert time.perf_counter() - started < 1.0

    payload = torch.load(good_file, weights_only=True)
    payload["architecture"].update(observation_size=10**6, observation_shape=[10**6])
    with pytest.raises(ValueError, match=r"\['trunk.0.weight'\] has shape \(128, 4\), expected \(128, 1000000\)"):
        fastac.load(_write(tmp_path, payload))
    payload["architecture"]["observation_shape"] = [4]  # inconsistent with the size
    with pytest.raises(ValueError, match=r"observation_shape \(4,\) does not hold observation_size=1000000"):
        fastac.load(_write(tmp_path, payload))

    # A CNN claiming huge images and features: its shapes come from the meta device (nothing allocated).
    payload = torch.load(good_file, weights_only=True)
    payload["architecture"].update(observation_size=4 * 2048 * 2048, observation_shape=[4, 2048, 2048],
                                   observation_dtype="uint8", architecture="nature_cnn", hidden_sizes=[65536])
    started = time.perf_counter()
    with pytest.raises(ValueError, match="bad.pt.*state_dict is missing 'trunk.2.weight'"):
        fastac.load(_write(tmp_path, payload))
    assert time.perf_counter() - started < 1.0


def test_tensors_that_repeat_a_few_stored_values_over_a_huge_shape_are_refused(tmp_path, good_file, no_network_built):
    # Shapes that match a 262 GB architecture, stored as stride-0 views of one number each:
    # the file is a few KB, and building the network it describes would allocate it all.
    obs, hidden = 10**6, 65536
    payload = torch.load(good_file, weights_only=True)
    payload["architecture"].update(observation_size=obs, observation_shape=[obs], hidden_sizes=[hidden])
    shapes = parameter_shapes(obs, gym.spaces.Discrete(2), [hidden])
    payload["state_dict"] = {key: torch.zeros(1).expand(*shape) for key, shape in shapes.items()}
    path = _write(tmp_path, payload)
    assert path.stat().st_size < 8192
    with pytest.raises(ValueError, match="bad.pt.*does not hold its own"):
        fastac.load(path)


def test_load_builds_without_initializing_and_accepts_older_layouts(tmp_path, monkeypatch):
    policy = fastac.ActorCriticPolicy(3, 5, hidden_sizes=(16, 8), seed=3, metadata={"env": "x", "n": [1, 2.5]})
    payload = _payload(policy, tmp_path)
    # Files written before state_dict() returned contiguous tensors hold trunk.0 transposed.
    payload["state_dict"]["trunk.0.weight"] = payload["state_dict"]["trunk.0.weight"].t().contiguous().t()
    assert not payload["state_dict"]["trunk.0.weight"].is_contiguous()
    version1 = dict(payload, version=1,
                    architecture={"observation_size": 3, "num_actions": 5, "hidden_sizes": [16, 8]})
    built = []
    real = _core.ActorCritic

    def spy(*args):
        built.append(args[4])  # the initialize flag (after observation_size, action_space, hidden_sizes, seed)
        return real(*args)

    monkeypatch.setattr(_core, "ActorCritic", spy)
    for path in (_write(tmp_path, payload, "v2.pt"), _write(tmp_path, version1, "v1.pt")):
        loaded = fastac.load(path)
        assert loaded.metadata == {"env": "x", "n": [1, 2.5]}
        for key, tensor in policy.state_dict().items():
            assert loaded.state_dict()[key].equal(tensor), key
    assert built == [False, False]


def test_parameter_shapes_match_the_native_layout():
    for obs, space, hidden in [(4, 2, (128,)), (3, 5, (64, 32)), (7, 3, ()), (2, gym.spaces.Discrete(4, start=-2),
                                                                              (5, 6, 7))]:
        policy = fastac.ActorCriticPolicy(obs, space, hidden)
        expected = {key: tuple(t.shape) for key, t in policy.state_dict().items()}
        assert dict(parameter_shapes(obs, policy.action_space, hidden)) == expected
        assert list(parameter_shapes(obs, policy.action_space, hidden)) == list(expected)


def test_load_state_dict_is_all_or_nothing():
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    before = policy.state_dict()
    for bad, message in [({k: v for k, v in before.items() if k != "critic.weight"}, "missing 'critic.weight'"),
                         (dict(before, **{"actor.bias": torch.tensor([0.0, float("nan")])}), "NaN"),
                         (dict(before, **{"actor.weight": torch.zeros(3, 128)}), "has shape")]:
        with pytest.raises(ValueError, match=message):
            policy.load_state_dict(bad)
        for key, tensor in before.items():
            assert policy.state_dict()[key].equal(tensor)
    with pytest.raises(TypeError, match="state_dict"):
        policy.load_state_dict([1, 2])


def test_metadata_must_be_storable(tmp_path):
    with pytest.raises(TypeError, match="metadata"):
        fastac.ActorCriticPolicy(4, 2, metadata={"when": object()})
    policy = fastac.ActorCriticPolicy(4, 2)
    policy.metadata["score"] = np.float32(1.0)  # would be written, then refused by weights_only load
    with pytest.raises(TypeError, match=r"metadata\['score'\]"):
        policy.save(tmp_path / "m.pt")
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("path", [b"/tmp/m.pt", 123, None, Path("/tmp/m.pt").as_posix().encode()])
def test_paths_of_the_wrong_type_are_type_errors_naming_path(path):
    policy = fastac.ActorCriticPolicy(4, 2)
    for call in (fastac.load, fastac.ActorCriticPolicy.load, policy.save, policy.export_torchscript,
                 policy.export_program):
        with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
            call(path)
    with pytest.raises(ValueError, match="path"):
        policy.save("")


# --------------------------------------------------------------------------------------
# 4. Non-finite observations
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_predict_and_forward_refuse_non_finite_observations(value):
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    single = np.zeros(4, np.float32)
    single[2] = value
    batch = np.zeros((3, 4))
    batch[1, 3] = value
    for obs, where in ((single, r"\(2,\)"), (batch, r"\(1, 3\)")):
        for deterministic in (True, False):
            with pytest.raises(ValueError, match=f"non-finite value .* at {where}"):
                policy.predict(obs, deterministic=deterministic)
        with pytest.raises(ValueError, match="non-finite"):
            policy.forward(obs)
    with pytest.raises(ValueError, match="non-finite"):  # float64 beyond float32's range
        policy.predict(np.full(4, 1e300))


class _NanObservations(gym.Wrapper):
    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return np.full_like(obs, np.nan), reward, terminated, truncated, info


def test_evaluate_policy_refuses_an_env_that_returns_nan():
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    with pytest.raises(ValueError, match="non-finite"):
        fastac.evaluate_policy(policy, _NanObservations(gym.make("CartPole-v1")), n_eval_episodes=1)


# --------------------------------------------------------------------------------------
# 5. Discrete action spaces with a start
# --------------------------------------------------------------------------------------


class _ShiftedActions(gym.ActionWrapper):
    """CartPole whose actions are Discrete(2, start=1): 1 and 2 instead of 0 and 1."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.action_space = gym.spaces.Discrete(2, start=1)
        self.seen: set[int] = set()

    def action(self, action):
        assert self.action_space.contains(action), action
        self.seen.add(int(action))
        return int(action) - 1


def test_evaluate_policy_with_a_discrete_start_end_to_end(tmp_path):
    space = gym.spaces.Discrete(2, start=1)
    policy = fastac.ActorCriticPolicy(4, space, seed=0)
    env = _ShiftedActions(gym.make("CartPole-v1"))
    returns, lengths = fastac.evaluate_policy(policy, env, n_eval_episodes=3, seed=0, deterministic=False,
                                              return_episode_rewards=True)
    assert len(returns) == 3 and all(n > 0 for n in lengths) and env.seen == {1, 2}

    result = fastac.train_a2c(lambda: _ShiftedActions(gym.make("CartPole-v1")), num_envs=4, total_steps=3000, seed=0)
    assert result.policy.action_space == space
    result.policy.save(tmp_path / "shifted.pt")
    loaded = fastac.load(tmp_path / "shifted.pt")
    assert loaded.action_space == space
    mean, _ = fastac.evaluate_policy(loaded, _ShiftedActions(gym.make("CartPole-v1")), n_eval_episodes=3, seed=0)
    assert mean == fastac.evaluate_policy(result.policy, _ShiftedActions(gym.make("CartPole-v1")),
                                          n_eval_episodes=3, seed=0)[0]
    with pytest.raises(ValueError, match="action space"):  # start 0 env, start 1 policy
        fastac.evaluate_policy(loaded, "CartPole-v1", n_eval_episodes=1)


# --------------------------------------------------------------------------------------
# 6. The command line
# --------------------------------------------------------------------------------------


def _fastac(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fastac", *argv], capture_output=True, text=True, timeout=timeout)


def test_train_checks_save_before_training(tmp_path):
    logs = tmp_path / "logs"
    for save, message in [(tmp_path / "missing" / "m.pt", "does not exist"),
                          (tmp_path, "is a directory"),
                          (tmp_path / "file.txt" / "m.pt", "does not exist")]:
        (tmp_path / "file.txt").write_text("x")
        proc = _fastac("train", "--total-steps", str(10**12), "--save", str(save), "--log-dir", str(logs))
        assert proc.returncode == 2, proc.stderr
        assert "--save" in proc.stderr and message in proc.stderr and "Traceback" not in proc.stderr
        assert not logs.exists()  # training never started


def test_train_refuses_a_read_only_save_directory():
    # Root writes into read-only directories: as root, the command runs as nobody (setpriv
    # keeps root's access to the interpreter's path until the exec, then drops it).
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("as root, this needs setpriv to run the command as another user")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        # The checkout must be readable by that user (not so under a 0700 directory such as mktemp -d's).
        if subprocess.run([*prefix, sys.executable, "-c", "import fastac"], capture_output=True, timeout=120).returncode:
            pytest.skip("as root, this needs the checkout to be readable by the unprivileged user 65534")
    base = Path(tempfile.mkdtemp(prefix="fastac-ro-"))
    readonly = base / "ro"
    try:
        base.chmod(0o755)
        readonly.mkdir()
        readonly.chmod(0o555)
        proc = subprocess.run([*prefix, sys.executable, "-m", "fastac", "train", "--total-steps", str(10**12),
                               "--save", str(readonly / "m.pt")], capture_output=True, text=True, timeout=120,
                              cwd=base)
        assert proc.returncode == 2, proc.stderr
        assert "--save" in proc.stderr and "cannot write" in proc.stderr and "Traceback" not in proc.stderr
        assert _listing(readonly) == []
    finally:
        readonly.chmod(0o755)
        shutil.rmtree(base)


def test_eval_of_an_unknown_env_exits_2_without_a_traceback(tmp_path):
    fastac.ActorCriticPolicy(4, 2).save(tmp_path / "m.pt")
    proc = _fastac("eval", "--env", "NoSuch-v0", str(tmp_path / "m.pt"))
    assert proc.returncode == 2
    assert "NoSuch-v0" in proc.stderr and "Traceback" not in proc.stderr


def test_eval_defaults_to_the_env_recorded_in_the_model(tmp_path):
    fastac.ActorCriticPolicy(6, 3, metadata={"env": "fastac/Acrobot-v1"}).save(tmp_path / "acrobot.pt")
    fastac.ActorCriticPolicy(4, 2).save(tmp_path / "plain.pt")
    fastac.ActorCriticPolicy(4, 2, metadata={"env": "<lambda>"}).save(tmp_path / "callable.pt")

    proc = _fastac("eval", str(tmp_path / "acrobot.pt"), "--episodes", "1", "--seed", "0")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Acrobot-v1, 1 episodes")  # gymnasium's own, not fastac/Acrobot-v1
    proc = _fastac("eval", str(tmp_path / "plain.pt"), "--episodes", "1")
    assert proc.returncode == 0 and proc.stdout.startswith("CartPole-v1, 1 episodes")
    proc = _fastac("eval", str(tmp_path / "callable.pt"), "--episodes", "1")
    assert proc.returncode == 2 and "<lambda>" in proc.stderr and "--env" in proc.stderr
    proc = _fastac("eval", str(tmp_path / "callable.pt"), "--episodes", "1", "--env", "CartPole-v1")
    assert proc.returncode == 0


def _start_training(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], Path]:
    model, logs = tmp_path / "m.pt", tmp_path / "logs"
    proc = subprocess.Popen([sys.executable, "-m", "fastac", "train", "--total-steps", str(10**12), "--quiet",
                             "--save", str(model), "--log-dir", str(logs), *extra], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    progress = logs / "progress.csv"
    while not (progress.exists() and len(progress.read_text().splitlines()) >= 3):  # training is running
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    return proc, model


@pytest.mark.parametrize("algo", ["a3c", "a2c"])
def test_sigterm_stops_train_saves_and_exits_143(tmp_path, algo):
    proc, model = _start_training(tmp_path, "--algo", algo)
    try:
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 143
        assert time.monotonic() - sent < 3.0
    finally:
        proc.kill()
        proc.wait()
    assert b"Traceback" not in proc.stderr.read()
    assert fastac.load(model).num_actions == 2


@pytest.mark.parametrize("first, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_repeated_signals_during_shutdown_and_save_do_not_lose_the_model(tmp_path, first, code):
    # A large network makes the final save take a while; Ctrl-C keeps coming throughout.
    proc, model = _start_training(tmp_path, "--hidden-sizes", "1024,1024", "--num-workers", "2")
    try:
        proc.send_signal(first)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            proc.send_signal(signal.SIGINT)
            time.sleep(0.002)
        assert proc.wait(timeout=10) == code
    finally:
        proc.kill()
        proc.wait()
    assert b"Traceback" not in proc.stderr.read()
    assert fastac.load(model).hidden_sizes == (1024, 1024)
    assert _listing(tmp_path) == ["logs", "m.pt"]


def test_train_in_process_restores_the_signal_handlers(tmp_path, capsys):
    from fastac.cli import main

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as info:
        main(["train", "--total-steps", "2000", "--quiet", "--save", str(tmp_path / "m.pt")])
    assert info.value.code == 0
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


# --------------------------------------------------------------------------------------
# 7. The progress bar ends at the real step count
# --------------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _result(env_steps: int) -> fastac.TrainResult:
    history = {key: np.zeros(0) for key in ("wall_time_s", "env_steps", "episode_return", "episode_length")}
    return fastac.TrainResult(policy=fastac.ActorCriticPolicy(4, 2), wall_time_s=1.0, env_steps=env_steps,
                              episodes=0, history=history, stop_reason="stop_at_return")


@pytest.mark.parametrize("steps", [70_000, 1_000_000, 1_003_200])
def test_the_progress_bar_ends_at_the_real_step_count(steps):
    pytest.importorskip("tqdm")
    from fastac.monitor import TrainingMonitor

    stream = _Terminal()
    monitor = TrainingMonitor(1_000_000, stream=stream)
    monitor({"env_steps": min(steps, 1_000_000) - 5000, "episodes": 10, "mean_return": 20.0, "steps_per_s": 1e5})
    monitor.close(_result(steps))
    assert monitor._bar is not None and monitor._bar.n == monitor._bar.total == steps
    last = stream.getvalue().replace("\r", "\n").strip().splitlines()[-2]  # the bar's last state, then the summary
    assert "100%" in last, last


# --------------------------------------------------------------------------------------
# 8. Bad arguments of public functions name the parameter
# --------------------------------------------------------------------------------------


def _policy() -> fastac.ActorCriticPolicy:
    return fastac.ActorCriticPolicy(4, 2)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: fastac.ActorCriticPolicy(4, 2, seed=-1), ValueError, "seed"),
        (lambda: fastac.ActorCriticPolicy(4, 2, seed=1.5), TypeError, "seed"),
        (lambda: fastac.ActorCriticPolicy(4, 2, hidden_sizes=[2**31]), ValueError, r"hidden_sizes\[0\]"),
        (lambda: fastac.ActorCriticPolicy(4, 2, hidden_sizes=128), TypeError, "hidden_sizes"),
        (lambda: fastac.ActorCriticPolicy(4, 2, hidden_sizes="128"), TypeError, "hidden_sizes"),
        (lambda: fastac.ActorCriticPolicy(0, 2), ValueError, "observation_size"),
        (lambda: fastac.ActorCriticPolicy(4, 0), ValueError, "action_space"),
        (lambda: fastac.ActorCriticPolicy(4, "2"), TypeError, "action_space"),
        (lambda: fastac.ActorCriticPolicy(4, gym.spaces.MultiDiscrete([2, 2])), ValueError, "action_space"),
        (lambda: fastac.ActorCriticPolicy(4, 2, metadata=[("env", "x")]), TypeError, "metadata"),
        (lambda: fastac.evaluate_policy(_policy(), "CartPole-v1", n_eval_episodes=0), ValueError, "n_eval_episodes"),
        (lambda: fastac.evaluate_policy(_policy(), "CartPole-v1", n_eval_episodes="x"), TypeError,
         "n_eval_episodes"),
        (lambda: fastac.evaluate_policy(_policy(), "CartPole-v1", seed=-1), ValueError, "seed"),
        (lambda: fastac.evaluate_policy(_policy(), "CartPole-v1", deterministic=1), TypeError, "deterministic"),
        (lambda: fastac.evaluate_policy("model.pt", "CartPole-v1"), TypeError, "policy"),
        (lambda: fastac.evaluate_policy(_policy(), 3), TypeError, "env"),
        (lambda: fastac.evaluate_policy(_policy(), "NoSuch-v0"), ValueError, "env"),
        (lambda: _policy().save(123), TypeError, "path"),
        (lambda: _policy().predict(np.zeros(4), deterministic="yes"), TypeError, "deterministic"),
        (lambda: _policy().predict(["a", "b", "c", "d"]), TypeError, "observation"),
        (lambda: _policy().predict([[1, 2], [3]]), ValueError, "observation"),
        (lambda: fastac.load(None), TypeError, "path"),
    ],
)
def test_bad_arguments_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_monitor_and_torch_module_arguments_are_checked():
    from fastac.monitor import TrainingMonitor
    from fastac.torch_module import ActorCriticModule

    with pytest.raises(ValueError, match="total_steps"):
        TrainingMonitor(0)
    with pytest.raises(TypeError, match="log_every"):
        TrainingMonitor(100, log_every="10")
    with pytest.raises(ValueError, match="num_actions"):
        ActorCriticModule(4, 0)
    with pytest.raises(TypeError, match="hidden_sizes"):
        ActorCriticModule(4, 2, hidden_sizes=64)


def test_plot_comparison_checks_its_path_first():
    from fastac.comparison import plot_comparison

    with pytest.raises(TypeError, match="path"):
        plot_comparison({}, 123)
