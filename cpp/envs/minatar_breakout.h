// MinAtar Breakout, bit for bit as the `minatar` package's gymnasium envs
// `gymnasium.make("MinAtar/Breakout-v1")` (minimal action set: no-op, left, right) and
// "MinAtar/Breakout-v0" (all six MinAtar actions), i.e. minatar.gym.BaseEnv over
// minatar.Environment("breakout") with its sticky actions.
//
// The player moves a paddle on the bottom row to bounce a ball that travels along
// diagonals and breaks the three rows of bricks at the top: reward +1 a brick; when the
// ball comes down to the paddle's row with no brick left, three new rows appear. The
// episode terminates when the ball passes the paddle. No time limit (none is registered).
//
// State (MinAtar's fields), also the get_state/set_state layout (float64 values):
//   0 ball_x, 1 ball_y     ball column and row (0-9, row 0 at the top)
//   2 ball_dir             0 up-left, 1 up-right, 2 down-right, 3 down-left
//   3 pos                  paddle column (0-9; the paddle is on row 9)
//   4 last_x, 5 last_y     the ball's previous cell (the "trail")
//   6 strike               the ball hit a brick on the previous step (0/1)
//   7 terminal             the episode ended (0/1)
//   8 last_action          the last MinAtar action (0-5), which a sticky action repeats
//   9..108 brick_map       row-major 10x10, 0/1
// Observation: bool [10, 10, 4] (row, column, channel), channels paddle, ball, trail,
// brick, as Environment.state().
// Actions: v1 Discrete(3) -> MinAtar actions n, l, r (0, 1, 3); v0 Discrete(6): n, l, u, r,
// d, f (only l and r move the paddle).
// Parameters: sticky_action_prob (default 0.1): each step, with this probability the
// last action repeats instead; difficulty_ramping (accepted as minatar's Environment
// takes it; Breakout has no ramp).
//
// Randomness: minatar keeps a numpy RandomState of its own (not gymnasium's
// np_random): reset(seed=s) makes RandomState(s); every step draws rand() for the
// sticky action (also on a terminal state), every reset randint(2) for the ball's
// starting side. This env holds that generator (Mt19937) and takes seeds through
// seed(), so the same seeds give the same episodes; a seed of 2**32 or more, which
// RandomState refuses, seeds it as numpy's array seeds do. last_action survives reset,
// as in minatar.
#pragma once

#include <cstdint>
#include <vector>

#include "envs/env.h"
#include "envs/numpy_random.h"

namespace fastac {

template <bool kMinimalActionSet>
struct MinAtarBreakoutEnv {
  using Observation = uint8_t;  // numpy bool: one byte, 0 or 1
  static constexpr int kSize = 10;  // the 10x10 grid
  enum Channel { kPaddle = 0, kBall = 1, kTrail = 2, kBrick = 3, kChannels = 4 };
  enum MinAtarAction { kNoop = 0, kLeft = 1, kUp = 2, kRight = 3, kDown = 4, kFire = 5 };

  static const EnvSpec& spec();
  explicit MinAtarBreakoutEnv(const double* params) : sticky_action_prob(params[0]) {}

  void seed(const std::vector<uint32_t>& entropy_words) { random.seed(entropy_words); }
  void reset(Pcg64& unused_rng, const double* options);  // draws from `random`
  StepOutcome step(const Action& action);
  void observe(uint8_t* obs) const;
  void get_state(double* state) const;
  // Throws std::invalid_argument for a value out of its range (the layout above).
  void set_state(const double* state);

  double sticky_action_prob;
  Mt19937 random;
  int32_t ball_x = 0, ball_y = 3, ball_dir = 2, pos = 4, last_x = 0, last_y = 3;
  int32_t last_action = kNoop;
  uint8_t strike = 0, terminal = 0;
  uint8_t brick_map[kSize][kSize] = {};
};

using MinAtarBreakoutV0Env = MinAtarBreakoutEnv<false>;
using MinAtarBreakoutV1Env = MinAtarBreakoutEnv<true>;

}  // namespace fastac
