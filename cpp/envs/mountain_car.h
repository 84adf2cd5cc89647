// MountainCar-v0, bit for bit as gymnasium 1.x `gymnasium.make("MountainCar-v0")`
// (gymnasium/envs/classic_control/mountain_car.py under TimeLimit(200)).
//
// State (float64, as gymnasium keeps it), also the get_state/set_state layout:
//   0 position  car position  (in [min_position, max_position])
//   1 velocity  car velocity  (in [-max_speed, max_speed])
// Observation: the same two values rounded to float32, in that order.
// Actions: Discrete(3); 0 accelerates left, 1 does not accelerate, 2 accelerates right.
// Reward: -1.0 every step. Terminated: position >= goal_position and velocity >= goal_velocity.
// Stepping past termination simply continues the dynamics, as gymnasium does.
// Parameters: goal_velocity (default 0). Reset options: low, high (default -0.6, -0.4):
// position ~ uniform(low, high), velocity 0.
//
// All of gymnasium's arithmetic here is float64 (np.float64 scalars, Python floats
// and, after the left-wall rule, the Python int 0, which compares and adds exactly
// as 0.0), so the C++ is plain double arithmetic in gymnasium's order:
//   velocity += (action - 1) * force + cos(3 * position) * (-gravity)
// adds the parenthesized sum to velocity; np.clip(v, lo, hi) is min(max(v, lo), hi).
// Bit-exactness needs glibc's cos (math.cos calls it) and no FMA contraction: the
// envs library is compiled with -ffp-contract=off.
#pragma once

#include <cstdint>

#include "envs/env.h"
#include "envs/numpy_random.h"

namespace fastac {

struct MountainCarEnv {
  // Constants as named in gymnasium's mountain_car.py.
  static constexpr double min_position = -1.2;
  static constexpr double max_position = 0.6;
  static constexpr double max_speed = 0.07;
  static constexpr double goal_position = 0.5;
  static constexpr double force = 0.001;
  static constexpr double gravity = 0.0025;

  static const EnvSpec& spec();
  explicit MountainCarEnv(const double* params) : goal_velocity(params[0]) {}

  void reset(Pcg64& rng, const double* options);
  StepOutcome step(const Action& action);
  void observe(float* obs) const;
  void get_state(double* state) const;
  void set_state(const double* state);
  // step() over the batch with the step inlined (no call per env); same results.
  static void step_batch(MountainCarEnv* envs, int n, const ActionBatch& actions, double* reward, uint8_t* terminated);

  double goal_velocity;
  double position = 0, velocity = 0;

 private:
  bool advance(int64_t action);  // step() (returns terminated), inlined into step_batch
};

}  // namespace fastac
