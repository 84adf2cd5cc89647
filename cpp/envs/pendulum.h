// Pendulum-v1, bit for bit as gymnasium 1.x `gymnasium.make("Pendulum-v1")`
// (gymnasium/envs/classic_control/pendulum.py under TimeLimit(200)).
//
// State (float64, as gymnasium keeps it), also the get_state/set_state layout:
//   0 th     angle                 (rad, 0 = upright; not wrapped, as in gymnasium)
//   1 thdot  angular velocity      (rad/s, clipped to [-max_speed, max_speed] by step)
// Observation: float32 [cos th, sin th, thdot] (cos and sin taken in float64, then rounded).
// Actions: Box(1,) float32 in [-max_torque, max_torque]; step clips the torque to that range.
// Reward: float64 -(angle_normalize(th)^2 + 0.1 * thdot^2 + 0.001 * u^2), never terminated.
// Parameters: g (gravity, default 10.0).
// Reset options: x_init, y_init (default pi, 1.0): th ~ U(-x_init, x_init),
//   thdot ~ U(-y_init, y_init), drawn in that order as np_random.uniform(low=-high, high=high).
//   As numpy, reset throws std::overflow_error ("Range exceeds valid bounds") when a range
//   2 * x is not finite, else std::invalid_argument ("high - low < 0") when one has its sign
//   bit set (x_init or y_init negative or -0.0); nothing is drawn then.
// Not in the state: last_u, the clipped torque of the last step (NaN after reset: gymnasium's
// None), which gymnasium keeps only for rendering.
//
// Bit-exactness needs gymnasium's exact dtypes under numpy 2 (NEP 50) promotion:
//   u = np.clip(action, -2.0, 2.0)[0] is np.float32, so `0.001 * (u**2)` and `3.0 * u` are
//   float32 operations (0.001 rounded to float32 first), and adding them to float64 widens;
//   `x**2` on a numpy scalar is libm pow(x, 2) (powf for float32), which is NOT always
//   x * x (glibc's pow/powf misround some squares near a rounding midpoint): x * x is
//   used only where it provably equals pow, else pow is called (numpy_square, numpy_math.h);
//   `%` is Python's floored modulo (fmod, then shifted into [0, 2 pi)).
// Plus glibc sin/cos/pow/powf/fmod (numpy's float64 sin/cos call libm when AVX512_SKX is
// absent) and no FMA contraction: the envs library is compiled with -ffp-contract=off.
#pragma once

#include <cmath>
#include <cstdint>

#include "envs/env.h"
#include "envs/numpy_random.h"

namespace fastac {

struct PendulumEnv {
  // Constants as named in gymnasium's pendulum.py.
  static constexpr double max_speed = 8;
  static constexpr double max_torque = 2.0;
  static constexpr double dt = 0.05;
  static constexpr double m = 1.0;
  static constexpr double l = 1.0;
  static constexpr double DEFAULT_X = M_PI;  // np.pi
  static constexpr double DEFAULT_Y = 1.0;

  static const EnvSpec& spec();
  explicit PendulumEnv(const double* params);

  void reset(Pcg64& rng, const double* options);
  StepOutcome step(const Action& action);
  void observe(float* obs) const;
  void get_state(double* state) const;
  void set_state(const double* state);

  double g;
  double th = 0, thdot = 0;
  float last_u = NAN;  // rendering only; NaN: None

 private:
  // Derived from g and th; kept so that sin(th) and cos(th) are computed once per
  // state (step and observe both need them).
  double gravity_coef_;  // 3 * g / (2 * l), evaluated as Python does
  double sin_th_ = 0, cos_th_ = 1;
  void set_th(double new_th);
};

}  // namespace fastac
