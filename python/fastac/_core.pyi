"""
fastac native core: environments, actor-critic model, rollout, loss, optimizers, A3C
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['A3CTrainer', 'ActorCritic', 'BatchedEnv', 'EnvParam', 'EnvSpec', 'EpisodeAccumulator', 'Learner', 'LossStats', 'RewardScaler', 'Rng', 'RolloutBuffer', 'RunMonitor', 'RunningStats', 'Space', 'TrainConfig', 'evaluate_greedy', 'make_env', 'native_env_specs']
class Space:
    """
    A Discrete or float32 Box space (envs/env.h).
    """
    @staticmethod
    def box(shape: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], low: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], high: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> Space:
        ...
    @staticmethod
    def discrete(n: typing.SupportsInt | typing.SupportsIndex, start: typing.SupportsInt | typing.SupportsIndex = 0) -> Space:
        ...
    @property
    def high(self) -> list[float]:
        ...
    @property
    def is_discrete(self) -> bool:
        ...
    @property
    def low(self) -> list[float]:
        ...
    @property
    def n(self) -> int:
        ...
    @property
    def shape(self) -> list[int]:
        ...
    @property
    def size(self) -> int:
        ...
    @property
    def start(self) -> int:
        ...
class EnvParam:
    @property
    def boolean(self) -> bool:
        ...
    @property
    def default_value(self) -> float:
        ...
    @property
    def name(self) -> str:
        ...
class EnvSpec:
    """
    The static spec of a native environment (envs/env.h).
    """
    @property
    def action_space(self) -> Space:
        ...
    @property
    def fastac_id(self) -> str:
        ...
    @property
    def id(self) -> str:
        ...
    @property
    def max_episode_steps(self) -> int:
        ...
    @property
    def observation_dtype(self) -> str:
        ...
    @property
    def observation_space(self) -> Space:
        ...
    @property
    def params(self) -> list[EnvParam]:
        ...
    @property
    def reference_entry_point(self) -> str:
        ...
    @property
    def render_modes(self) -> list[str]:
        ...
    @property
    def reset_options(self) -> list[EnvParam]:
        ...
    @property
    def reward_threshold(self) -> float:
        ...
    @property
    def state_size(self) -> int:
        ...
class BatchedEnv:
    """
    N copies of a native environment stepped together (envs/vector_env.h).
    """
    def __getstate__(self) -> bytes:
        ...
    def __setstate__(self, arg0: bytes) -> None:
        """
        Pickles the whole state (BatchedEnv::save): an unpickled batch continues bit for bit.
        """
    def elapsed_steps(self, env: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def get_state(self, env: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
        """
        The float64 state of sub-env `env` (layout: the env's header in cpp/envs/).
        """
    def reset(self, obs: numpy.ndarray, options: typing.Any = None, mask: typing.Any = None) -> None:
        """
        Resets sub-envs (all, or where mask is true) into rows of obs, continuing their streams; rows not reset get the observation of their current state.
        """
    def seed(self, env: typing.SupportsInt | typing.SupportsIndex, entropy_words: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        """
        Reseeds sub-env `env` as reset(seed=...) does: numpy's PCG64(SeedSequence(entropy)), and an env's own generator (MinAtar's RandomState).
        """
    def set_state(self, env: typing.SupportsInt | typing.SupportsIndex, state: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None:
        ...
    def step(self, actions: numpy.ndarray, obs: numpy.ndarray, reward: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], terminated: typing.Annotated[numpy.typing.ArrayLike, numpy.bool], truncated: typing.Annotated[numpy.typing.ArrayLike, numpy.bool], final_obs: typing.Any = None) -> int:
        """
        Steps every sub-env into the given buffers; returns the index of the first invalid action, or -1.
        """
    def step_single(self, action: typing.Any) -> typing.Any:
        """
        Steps sub-env 0 of a 1-env batch: (obs, reward, terminated, truncated), or None for an invalid action.
        """
    @property
    def max_episode_steps(self) -> int:
        ...
    @property
    def num_envs(self) -> int:
        ...
    @property
    def spec(self) -> EnvSpec:
        ...
class Rng:
    """
    numpy's PCG64(SeedSequence(entropy)): the random stream of action sampling.
    """
    def __getstate__(self) -> typing.Annotated[list[int], "FixedSize(4)"]:
        ...
    def __init__(self, entropy_words: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    def __setstate__(self, arg0: typing.Annotated[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], "FixedSize(4)"]) -> None:
        ...
    def set_state(self, state: typing.Annotated[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], "FixedSize(4)"]) -> None:
        """
        Moves the generator to a position given by state().
        """
    def state(self) -> typing.Annotated[list[int], "FixedSize(4)"]:
        """
        The position: (state high, state low, increment high, increment low).
        """
    def uniform(self, low: typing.SupportsFloat | typing.SupportsIndex, high: typing.SupportsFloat | typing.SupportsIndex) -> float:
        ...
class RunningStats:
    """
    Running mean and variance, VecNormalize's (rl/normalization.h); thread-safe.
    """
    def __init__(self, size: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def moments(self) -> tuple[float, numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]:
        """
        (count, mean [size], var [size]), float64.
        """
    def normalize(self, x: typing.Annotated[numpy.typing.ArrayLike, numpy.float32]) -> numpy.typing.NDArray[numpy.float32]:
        """
        clip((x - mean) / sqrt(var + 1e-8), -10, 10) of rows x [batch, size].
        """
    def set(self, count: typing.SupportsFloat | typing.SupportsIndex, mean: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], var: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None:
        """
        Replaces the statistics: count > 0, finite mean, finite var >= 0 (ValueError otherwise).
        """
    def update(self, x: typing.Annotated[numpy.typing.ArrayLike, numpy.float32]) -> None:
        """
        Merges the moments of rows x [batch, size].
        """
    def update_moments(self, count: typing.SupportsFloat | typing.SupportsIndex, mean: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], var: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None:
        """
        Merges a batch's moments (count >= 0; count 0 changes nothing), as update(x) merges x's.
        """
    @property
    def size(self) -> int:
        ...
class ActorCritic:
    """
    The actor-critic model over one flat parameter buffer (nn/actor_critic.h).
    """
    def __init__(self, observation_size: typing.SupportsInt | typing.SupportsIndex, action_space: Space, hidden_sizes: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], seed: typing.SupportsInt | typing.SupportsIndex, initialize: bool = True, log_std_init: typing.SupportsFloat | typing.SupportsIndex = 0.0, squash_output: bool = False, normalize_obs: bool = False, share_trunk: bool = True, activation: str = 'relu', architecture: str = 'mlp', observation_shape: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = [], observation_dtype: str = 'float32', channels_last: bool = False) -> None:
        ...
    def act(self, obs: typing.Any, rng: typing.Any = None) -> tuple[numpy.ndarray, numpy.typing.NDArray[numpy.float32]]:
        """
        (actions, values) of a batch: sampled with rng (one Rng, or a list of one per observation), or the distribution's mode if rng is None. A Box's actions are the distribution's (unclipped); env_actions maps them into the space.
        """
    def env_actions(self, actions: typing.Any) -> typing.Any:
        """
        The actions of act() as the environment takes them: a Box's [batch, size] clipped to its bounds (or squashed into them with squash_output); Discrete actions unchanged.
        """
    def forward(self, obs: typing.Any) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.float32]]:
        """
        (distribution inputs [batch, head_size] (logits), values [batch]) of a batch.
        """
    def layout(self) -> list:
        """
        (name, in, out, input_major, weight_offset, bias_offset) of each linear layer; the weight is stored [in, out] if input_major, else [out, in].
        """
    def torch_parameters(self) -> list:
        """
        (state_dict name, shape, offset) of each parameter of a libtorch-module policy, in the flat order.
        """
    @property
    def architecture(self) -> str:
        ...
    @property
    def distribution_offset(self) -> int:
        ...
    @property
    def head_size(self) -> int:
        ...
    @property
    def num_parameters(self) -> int:
        ...
    @property
    def observation_dtype(self) -> str:
        ...
    @property
    def observation_stats(self) -> RunningStats | None:
        """
        The running observation statistics (RunningStats) with normalize_obs, else None.
        """
    @property
    def parameters(self) -> numpy.typing.NDArray[numpy.float32]:
        """
        The flat float32 parameters, as a numpy view sharing memory with the model.
        """
    @property
    def squash_output(self) -> bool:
        ...
class RewardScaler:
    """
    Rewards divided by the running std of the discounted return (rl/normalization.h).
    """
    def __init__(self, num_envs: typing.SupportsInt | typing.SupportsIndex, gamma: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    def flush(self, stats: RunningStats) -> None:
        """
        Merges the returns seen into stats.
        """
    def scale(self, rewards: numpy.ndarray, dones: typing.Annotated[numpy.typing.ArrayLike, numpy.bool], valid: typing.Any, stats: RunningStats) -> None:
        """
        Scales a float32 row of rewards in place with the return statistics `stats`.
        """
    def take_pending(self) -> tuple[float, numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]:
        """
        (count, mean [1], var [1]) of the returns seen since the last flush or take_pending, which are forgotten here (flush merges them into the statistics instead).
        """
class TrainConfig:
    """
    C++ mirror of fastac.TrainConfig (rl/train_config.h).
    """
    FIELDS: typing.ClassVar[tuple] = ('env', 'total_steps', 'stop_at_return', 'stop_eval_episodes', 'max_seconds', 'seed', 'gamma', 'gae_lambda', 'lr', 'anneal_lr', 'entropy_coef', 'bounds_coef', 'value_coef', 'max_grad_norm', 'optimizer', 'rmsprop_alpha', 'optimizer_eps', 'hidden_sizes', 'activation', 'share_trunk', 'architecture', 'features_dim', 'log_std_init', 'squash_output', 'normalize_obs', 'normalize_reward', 'num_workers', 'envs_per_worker', 't_max', 'num_envs', 'n_steps')
    activation: str
    anneal_lr: bool
    architecture: str
    env: str
    normalize_obs: bool
    normalize_reward: bool
    optimizer: str
    share_trunk: bool
    squash_output: bool
    def __init__(self) -> None:
        ...
    @property
    def bounds_coef(self) -> float:
        ...
    @bounds_coef.setter
    def bounds_coef(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def entropy_coef(self) -> float:
        ...
    @entropy_coef.setter
    def entropy_coef(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def envs_per_worker(self) -> int:
        ...
    @envs_per_worker.setter
    def envs_per_worker(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def features_dim(self) -> int:
        ...
    @features_dim.setter
    def features_dim(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def gae_lambda(self) -> float:
        ...
    @gae_lambda.setter
    def gae_lambda(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def gamma(self) -> float:
        ...
    @gamma.setter
    def gamma(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def hidden_sizes(self) -> list[int]:
        ...
    @hidden_sizes.setter
    def hidden_sizes(self, arg0: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    @property
    def log_std_init(self) -> float:
        ...
    @log_std_init.setter
    def log_std_init(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def lr(self) -> float:
        ...
    @lr.setter
    def lr(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def max_grad_norm(self) -> float:
        ...
    @max_grad_norm.setter
    def max_grad_norm(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def max_seconds(self) -> float:
        ...
    @max_seconds.setter
    def max_seconds(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def n_steps(self) -> int:
        ...
    @n_steps.setter
    def n_steps(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def num_envs(self) -> int:
        ...
    @num_envs.setter
    def num_envs(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def num_workers(self) -> int:
        ...
    @num_workers.setter
    def num_workers(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def optimizer_eps(self) -> float:
        ...
    @optimizer_eps.setter
    def optimizer_eps(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def rmsprop_alpha(self) -> float:
        ...
    @rmsprop_alpha.setter
    def rmsprop_alpha(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def seed(self) -> int:
        ...
    @seed.setter
    def seed(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def stop_at_return(self) -> float:
        ...
    @stop_at_return.setter
    def stop_at_return(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def stop_eval_episodes(self) -> int:
        ...
    @stop_eval_episodes.setter
    def stop_eval_episodes(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def t_max(self) -> int:
        ...
    @t_max.setter
    def t_max(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def total_steps(self) -> int:
        ...
    @total_steps.setter
    def total_steps(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def value_coef(self) -> float:
        ...
    @value_coef.setter
    def value_coef(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class LossStats:
    def __init__(self, policy_loss: typing.SupportsFloat | typing.SupportsIndex = 0.0, value_loss: typing.SupportsFloat | typing.SupportsIndex = 0.0, entropy: typing.SupportsFloat | typing.SupportsIndex = 0.0, grad_norm: typing.SupportsFloat | typing.SupportsIndex = 0.0, explained_variance: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> None:
        ...
    def as_dict(self) -> dict:
        ...
    @property
    def entropy(self) -> float:
        ...
    @property
    def explained_variance(self) -> float:
        ...
    @property
    def grad_norm(self) -> float:
        ...
    @property
    def policy_loss(self) -> float:
        ...
    @property
    def value_loss(self) -> float:
        ...
class RunMonitor:
    """
    Counts, episode window, stop criteria, lr schedule (rl/run_monitor.h).
    """
    def __init__(self, config: TrainConfig) -> None:
        ...
    def after_update(self, steps: typing.SupportsInt | typing.SupportsIndex, loss: LossStats, skipped: bool) -> None:
        ...
    def after_updates(self, steps: typing.SupportsInt | typing.SupportsIndex, updates: typing.SupportsInt | typing.SupportsIndex, skipped: typing.SupportsInt | typing.SupportsIndex, loss: LossStats) -> None:
        """
        after_update for several updates at once (another process's); loss: the latest one's.
        """
    def check_stop(self) -> bool:
        """
        stopping, after stopping the run if max_seconds has passed.
        """
    def counters(self) -> dict:
        """
        Totals and the last episodes, for a run that continues this one.
        """
    def elapsed(self) -> float:
        ...
    def history(self, start: typing.SupportsInt | typing.SupportsIndex = 0) -> dict:
        """
        This run's episodes from the start-th on (arrays wall_time_s, env_steps, episode_return, episode_length).
        """
    def learning_rate(self) -> float:
        ...
    def progress(self) -> dict:
        ...
    def record_episode(self, episode_return: typing.SupportsFloat | typing.SupportsIndex, length: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        A finished episode (another process's).
        """
    def record_evaluation(self, mean_return: typing.SupportsFloat | typing.SupportsIndex, env_steps: typing.SupportsInt | typing.SupportsIndex) -> bool:
        ...
    def resume(self, counters: dict) -> None:
        """
        Continues from an earlier run's counters (a dict as counters() returns), before start().
        """
    def start(self) -> None:
        ...
    def stop(self, reason: str = 'requested') -> bool:
        """
        Stops the run for `reason` (default 'requested'); True if it was the first reason.
        """
    def take_evaluation_request(self) -> bool:
        ...
    @property
    def stop_reason(self) -> str:
        ...
    @property
    def stopping(self) -> bool:
        ...
class RolloutBuffer:
    """
    [T, N] rollout storage and advantages (rl/rollout.h).
    """
    def __init__(self, steps: typing.SupportsInt | typing.SupportsIndex, num_envs: typing.SupportsInt | typing.SupportsIndex, observation_size: typing.SupportsInt | typing.SupportsIndex, action_space: Space, observation_dtype: str = 'float32') -> None:
        ...
    def compact_valid(self) -> int:
        ...
    def finish(self, last_values: typing.Annotated[numpy.typing.ArrayLike, numpy.float32], gamma: typing.SupportsFloat | typing.SupportsIndex, gae_lambda: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    def record_step(self, t: typing.SupportsInt | typing.SupportsIndex, rewards: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], terminated: typing.Annotated[numpy.typing.ArrayLike, numpy.bool], truncated: typing.Annotated[numpy.typing.ArrayLike, numpy.bool], valid: typing.Any = None) -> None:
        ...
    def set_final_value(self, t: typing.SupportsInt | typing.SupportsIndex, env: typing.SupportsInt | typing.SupportsIndex, value: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def actions(self) -> numpy.ndarray:
        ...
    @property
    def advantages(self) -> numpy.typing.NDArray[numpy.float32]:
        ...
    @property
    def dones(self) -> numpy.typing.NDArray[numpy.uint8]:
        ...
    @property
    def obs(self) -> numpy.ndarray:
        """
        [T, N, observation_size] observations (float32, or uint8 / bool images), a view.
        """
    @property
    def returns(self) -> numpy.typing.NDArray[numpy.float32]:
        ...
    @property
    def rewards(self) -> numpy.typing.NDArray[numpy.float32]:
        ...
    @property
    def valid(self) -> numpy.typing.NDArray[numpy.uint8]:
        ...
    @property
    def values(self) -> numpy.typing.NDArray[numpy.float32]:
        ...
class EpisodeAccumulator:
    """
    Running returns and lengths per env (rl/rollout.h).
    """
    def __init__(self, num_envs: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def step(self, rollout: RolloutBuffer, t: typing.SupportsInt | typing.SupportsIndex, monitor: RunMonitor) -> None:
        """
        Adds row t of the rollout; finished episodes go to the monitor.
        """
    def take_steps(self) -> int:
        """
        The transitions counted since the last call (what RunMonitor.after_update takes).
        """
class Learner:
    """
    The A2C update: gradient, hooks, clip and apply (rl/learner.h).
    """
    def __init__(self, model: ActorCritic, config: TrainConfig) -> None:
        ...
    def apply(self, loss: LossStats, lr: typing.SupportsFloat | typing.SupportsIndex) -> tuple[LossStats, bool]:
        """
        Clips and applies `gradient`: (loss stats with grad_norm, skipped).
        """
    def compute_gradient(self, rollout: RolloutBuffer, batch: typing.SupportsInt | typing.SupportsIndex, monitor: RunMonitor) -> LossStats | None:
        """
        The gradient of the first `batch` (compacted) rollout samples into `gradient`; None if the monitor stopped the run meanwhile.
        """
    def optimizer_state(self) -> dict:
        """
        The optimizer's statistics: {'square_avg', 'exp_avg': float32 arrays, 'step': int}.
        """
    def set_optimizer_state(self, state: dict) -> None:
        """
        Replaces the optimizer's statistics (a dict as optimizer_state() returns).
        """
    @property
    def gradient(self) -> numpy.typing.NDArray[numpy.float32]:
        ...
class A3CTrainer:
    """
    A3C workers (rl/a3c.h) on native or Python envs; supervised from Python.
    """
    def __init__(self, config: TrainConfig, model: ActorCritic, make_envs: typing.Any = None, make_eval_envs: typing.Any = None) -> None:
        """
        Without make_envs, the workers step config.env natively; with them, make_envs(worker, num_envs) and make_eval_envs(num_envs) return fastac.envs.worker.WorkerEnvs, called on the worker threads.
        """
    def add_to_parameters(self, delta: typing.Annotated[numpy.typing.ArrayLike, numpy.float32]) -> bool:
        """
        Adds delta to the shared parameters while the workers train (Hogwild); False (and nothing changed) if a parameter would become non-finite.
        """
    def counters(self) -> dict:
        """
        Totals and the last episodes, for a run that continues this one.
        """
    def history(self, start: typing.SupportsInt | typing.SupportsIndex = 0) -> dict:
        """
        This run's episodes from the start-th on.
        """
    def join(self) -> None:
        """
        Waits for the workers; re-raises the first exception a worker raised.
        """
    def optimizer_state(self) -> dict:
        """
        The shared optimizer's statistics (a consistent copy only once the workers are joined).
        """
    def progress(self) -> dict:
        ...
    def read_parameters(self, out: typing.Annotated[numpy.typing.ArrayLike, numpy.float32]) -> None:
        """
        Copies the shared parameters into out (a snapshot while the workers train).
        """
    def request_stop(self) -> None:
        ...
    def resume(self, counters: dict) -> None:
        """
        Continues from an earlier run's counters, before start().
        """
    def set_learning_rate(self, lr: typing.SupportsFloat | typing.SupportsIndex) -> None:
        """
        Distributed A3C: the run's learning rate from now on (rank 0's schedule), for every worker.
        """
    def set_optimizer_state(self, state: dict) -> None:
        """
        Replaces the shared optimizer's statistics, before start().
        """
    def start(self) -> None:
        ...
    def wait_for(self, seconds: typing.SupportsFloat | typing.SupportsIndex) -> bool:
        """
        Waits up to `seconds` (without the GIL); True once every worker has finished.
        """
    @property
    def finished(self) -> bool:
        ...
    @property
    def reward_stats(self) -> RunningStats:
        """
        normalize_reward: the shared running statistics of the discounted return (RunningStats).
        """
    @property
    def stop_reason(self) -> str:
        ...
def evaluate_greedy(env_id: str, model: ActorCritic, episodes: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, stream: typing.SupportsInt | typing.SupportsIndex = 0) -> tuple[float, int]:
    """
    (mean return, env steps) of the greedy policy over fresh native episodes (rl/evaluate.h).
    """
def make_env(env_id: str, num_envs: typing.SupportsInt | typing.SupportsIndex, autoreset_mode: str = 'next_step', params: typing.Any = None, max_episode_steps: typing.SupportsInt | typing.SupportsIndex = -1) -> BatchedEnv:
    """
    A batched native env; params: the spec's params values (None: defaults); max_episode_steps < 0: the spec's.
    """
def native_env_specs() -> list[EnvSpec]:
    """
    The spec of every native environment, in registry order (envs/registry.cpp).
    """
