// Acrobot-v1, bit for bit as gymnasium 1.x `gymnasium.make("Acrobot-v1")`
// (gymnasium/envs/classic_control/acrobot.py under TimeLimit(500)).
//
// State (float64, gymnasium's `self.state`), also the get_state/set_state layout:
//   0 theta1   angle of the first link  (rad, 0 = pointing down; wrapped to [-pi, pi])
//   1 theta2   angle of the second link relative to the first (rad; wrapped to [-pi, pi])
//   2 dtheta1  angular velocity of theta1  (rad/s, bounded to +-MAX_VEL_1 = +-4 pi)
//   3 dtheta2  angular velocity of theta2  (rad/s, bounded to +-MAX_VEL_2 = +-9 pi)
// Observation (float32): cos(theta1), sin(theta1), cos(theta2), sin(theta2), dtheta1, dtheta2.
// Actions: Discrete(3); torque AVAIL_TORQUE[a] = -1, 0, +1 on the joint between the links.
// Reward: -1 per step, 0 on the step that reaches the target height (terminated).
// Parameters: none (gymnasium's AcrobotEnv takes only render_mode).
// Reset options: low, high (default -0.1, 0.1).
//
// Bit-exactness needs, besides gymnasium's operation order (numpy's elementwise
// rk4, Python's left-to-right scalar arithmetic), glibc sin/cos and no FMA
// contraction (the envs library is compiled with -ffp-contract=off):
//  * reset stores the draws as float32 (gymnasium's `.astype(np.float32)`), and
//    the observation of that float32 state takes numpy's *float32* cos/sin, which
//    are not the float64 ones rounded (numpy_cosf/numpy_sinf, numpy_math.h). Every step
//    makes the state float64 again, observed with float64 cos/sin rounded to float32.
//  * the rk4 stages, the wrap loop and the Python min/max of `bound` as in gymnasium.
#pragma once

#include <cmath>
#include <cstdint>

#include "envs/env.h"
#include "envs/numpy_random.h"

namespace fastac {

struct AcrobotEnv {
  // Constants as named in gymnasium's acrobot.py.
  static constexpr double dt = 0.2;  // integration timestep (s)
  static constexpr double LINK_LENGTH_1 = 1.0;
  static constexpr double LINK_LENGTH_2 = 1.0;
  static constexpr double LINK_MASS_1 = 1.0;
  static constexpr double LINK_MASS_2 = 1.0;
  static constexpr double LINK_COM_POS_1 = 0.5;  // position of the centre of mass of link 1
  static constexpr double LINK_COM_POS_2 = 0.5;
  static constexpr double LINK_MOI = 1.0;  // moment of inertia of both links
  static constexpr double pi = M_PI;       // numpy.pi == math.pi
  static constexpr double MAX_VEL_1 = 4 * pi;
  static constexpr double MAX_VEL_2 = 9 * pi;
  static constexpr double AVAIL_TORQUE[3] = {-1.0, 0.0, +1.0};
  // Uniform noise added to the torque: 0 in gymnasium, and so here (a non-zero value
  // would need step() to draw from the env's generator, which the concept does not pass).
  static constexpr double torque_noise_max = 0.0;
  static constexpr int actions_num = 3;

  static const EnvSpec& spec();
  explicit AcrobotEnv(const double* /*params: none*/) {}

  void reset(Pcg64& rng, const double* options);
  StepOutcome step(const Action& action);
  void observe(float* obs) const;
  void get_state(double* s) const;
  // A state whose four values are all exactly float32 is taken as gymnasium holds a
  // freshly reset one (a float32 array, observed with float32 cos/sin), so that
  // get_state/set_state round-trips the observation; any other as float64.
  void set_state(const double* s);

  double state[4] = {0.0, 0.0, 0.0, 0.0};  // theta1, theta2, dtheta1, dtheta2
  bool float32_state = false;  // gymnasium's state is still the float32 array of reset()

 private:
  bool terminal() const;
};

}  // namespace fastac
