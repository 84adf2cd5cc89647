"""``fastac.train_a3c``: asynchronous advantage actor-critic, run by the C++ core.

The algorithm (``cpp/rl/a3c.cpp``): ``num_workers`` std::threads, each with its own
environments and a local copy of the network, compute n-step actor-critic gradients and
apply them to the shared parameters lock-free (Hogwild) through an optimizer whose
statistics all workers share, as in Mnih et al. (2016). The workers use the same rollout
buffer, loss, update and run bookkeeping as A2C.

This file supervises the run from Python: it waits for the workers without holding the
GIL, calls the callback on its cadence, turns Ctrl-C into a clean stop, and re-raises an
exception from any worker.
"""

from __future__ import annotations

from typing import Any

from fastac import _core
from fastac._run import (CallbackRunner, ProgressCallback, check_memory, finish_result, make_result, resolve_config,
                         to_completion, with_config_signature)
from fastac.config import TrainConfig
from fastac.envs import NATIVE_ENV_IDS, SPECS
from fastac.envs.native import make_space
from fastac.policy import ActorCriticPolicy
from fastac.result import TrainResult

#: How often the supervising thread wakes up (Ctrl-C and callbacks are served this fast).
_POLL_S = 0.05


@with_config_signature("a3c")
def train_a3c(
    env: str = "CartPole-v1",
    *,
    config: TrainConfig | None = None,
    callback: ProgressCallback | None = None,
    callback_interval_s: float = 1.0,
    **hyperparameters: Any,
) -> TrainResult:
    """Trains an actor-critic policy with A3C on a native environment.

    Args:
        env: a gymnasium id with a native implementation (``"CartPole-v1"``,
            ``"Acrobot-v1"``, ...; see ``fastac.envs.NATIVE_ENV_IDS``).
        config: a :class:`fastac.TrainConfig` to start from; keywords override its fields.
            Without one, a gymnasium id with a preset (:mod:`fastac.presets`, e.g.
            ``"Pendulum-v1"``) starts from its tuned hyperparameters instead of the defaults.
        callback: called about every ``callback_interval_s`` seconds (and at the end) with a
            dict of progress (``env_steps``, ``episodes``, ``mean_return``, ``steps_per_s``,
            ...); ``False`` stops training, ``None``/``True`` continue.
        callback_interval_s: seconds between callbacks, > 0.
        {config_fields}

    With one worker a seeded run is reproducible; with more, Hogwild updates interleave
    nondeterministically. Worker ``w``'s env ``e`` is seeded ``seed + w * envs_per_worker + e``.

    Returns:
        A :class:`~fastac.result.TrainResult`. Ctrl-C stops every worker within a fraction
        of a second and returns the partial result with ``interrupted=True``. An exception
        in a worker stops the others and is raised here.
    """
    cfg = resolve_config("a3c", env, config, hyperparameters)
    native_id = NATIVE_ENV_IDS.get(cfg.env)
    if native_id is None or not cfg.native:
        raise ValueError(f"env: train_a3c runs native environments ({sorted(SPECS)}), got {cfg.env!r}"
                         + ("" if cfg.native else " with native=False") + "; train_a2c accepts any gymnasium environment")
    spec = SPECS[native_id.split("/", 1)[1]]
    cfg.env = native_id
    check_memory(cfg.num_workers * cfg.envs_per_worker * cfg.t_max, spec.observation_space.size,  # type: ignore[operator]
                 "num_workers x envs_per_worker x t_max")
    runner = CallbackRunner(callback, callback_interval_s)
    policy = ActorCriticPolicy(spec.observation_space.size, make_space(spec.action_space), cfg.hidden_sizes,
                               seed=cfg.resolved_seed(), metadata={"env": native_id, "algorithm": "a3c", "config": cfg.to_dict()},
                               log_std_init=cfg.log_std_init, squash_output=cfg.squash_output,
                               normalize_obs=cfg.normalize_obs)
    trainer = _core.A3CTrainer(cfg.to_core(), policy.network)
    interrupted = False
    trainer.start()
    try:
        while not trainer.wait_for(_POLL_S):
            if runner.due() and not runner(trainer.progress()):
                trainer.request_stop()
        if runner.callback is not None:
            runner(trainer.progress())
    except KeyboardInterrupt:
        interrupted = True
    finally:
        # Stop and join even if a signal lands meanwhile; join re-raises a worker's exception.
        def stop_and_join() -> None:
            trainer.request_stop()
            trainer.join()

        _, late = to_completion(stop_and_join)
        interrupted |= late
    return finish_result(lambda: make_result(policy, trainer.progress(), trainer.history(), trainer.stop_reason,
                                             interrupted, cfg))
