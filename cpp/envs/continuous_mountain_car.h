// MountainCarContinuous-v0, bit for bit as gymnasium 1.x
// `gymnasium.make("MountainCarContinuous-v0")` (gymnasium/envs/classic_control/
// continuous_mountain_car.py under TimeLimit(999)), for float32 actions (the
// action space's dtype), with numpy 2's (NEP 50) scalar promotion.
//
// State, also the get_state/set_state layout (float64 values):
//   0 position  car position  (in [min_position, max_position])
//   1 velocity  car velocity  (in [-max_speed, max_speed])
// Observation: the same two values rounded to float32, in that order.
// Actions: Box(-1, 1, (1,), float32), the force; values outside [-1, 1] are
// clipped for the dynamics but not for the reward (only NaN is refused, by VectorEnv).
// Reward: 100 on the step that reaches the goal, minus 0.1 * action^2 every step.
// Terminated: position >= goal_position and velocity >= goal_velocity. Stepping past
// termination simply continues the dynamics, as gymnasium does.
// Parameters: goal_velocity (default 0; treated as a Python float, as
// gymnasium.make(..., goal_velocity=x) passes it). Reset options: low, high
// (default -0.6, -0.4): position ~ uniform(low, high), velocity 0.
//
// What bit-exactness takes (each checked against numpy 2.4):
//  * gymnasium stores the state after a step as np.array(..., dtype=float32), but a
//    reset leaves a float64 array. So the first step of an episode computes in
//    float64 and every later step in float32: `3 * position` is a float32 product,
//    `velocity + x` a float32 sum, and comparisons of np.float32 with Python floats
//    (0.07, 0.6, -1.2, 0.45, goal_velocity) round the Python float to float32 first
//    (e.g. np.float32(-1.2) == -1.2 and np.float32(0.45) >= 0.45 are True).
//  * force = min(max(action[0], -1.0), 1.0): Python's min/max return one of their
//    arguments, so force is the np.float32 action inside [-1, 1] (bounds included)
//    and the Python float -1.0 / 1.0 outside. Then `force * power - 0.0025 * cos(..)`
//    is float32 (power and the cos term rounded to float32 first) for an in-range
//    action, float64 for a clipped one; added to a float32 velocity, a float64 term
//    is rounded to float32 before the (float32) sum.
//  * the clip assignments `velocity = self.max_speed` / `position = self.max_position`
//    give Python floats, compared later in float64; the left-wall `velocity = 0` an int.
//  * the reward uses the unclipped action: math.pow(action[0], 2) * 0.1 in float64.
//  * glibc's cos (math.cos calls it) and no FMA contraction (-ffp-contract=off).
// set_state cannot carry numpy's dtype: it takes the state as float32 (the state
// after a step) when both values are float32 numbers, else as float64 (after a reset).
// Only a reset state whose position happens to be a float32 number (e.g. reset
// options low == high == -0.5) is then stepped differently than gymnasium would.
#pragma once

#include <cstdint>

#include "envs/env.h"
#include "envs/numpy_random.h"

namespace fastac {

struct MountainCarContinuousEnv {
  // Constants as named in gymnasium's continuous_mountain_car.py.
  static constexpr double min_action = -1.0;
  static constexpr double max_action = 1.0;
  static constexpr double min_position = -1.2;
  static constexpr double max_position = 0.6;
  static constexpr double max_speed = 0.07;
  static constexpr double goal_position = 0.45;
  static constexpr double power = 0.0015;

  static const EnvSpec& spec();
  explicit MountainCarContinuousEnv(const double* params) : goal_velocity(params[0]) {}

  void reset(Pcg64& rng, const double* options);
  StepOutcome step(const Action& action);
  void observe(float* obs) const;
  void get_state(double* state) const;
  void set_state(const double* state);
  // step() over the batch with the step inlined (no call per env); same results.
  static void step_batch(MountainCarContinuousEnv* envs, int n, const ActionBatch& actions, double* reward,
                         uint8_t* terminated);

  double goal_velocity;
  double position = 0, velocity = 0;
  bool float32_state = false;  // gymnasium's self.state is float32 (after a step), not float64 (after reset)

 private:
  StepOutcome advance(float action);  // step(), inlined into step_batch
};

}  // namespace fastac
