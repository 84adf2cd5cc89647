#include "envs/acrobot.h"

#include <cmath>
#include <limits>

#include "envs/numpy_math.h"

namespace fastac {

const EnvSpec& AcrobotEnv::spec() {
  static const EnvSpec s = [] {
    EnvSpec e;
    e.id = "Acrobot-v1";
    // np.array([1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2], dtype=np.float32), low = -high.
    const float high[6] = {1.0f, 1.0f, 1.0f, 1.0f, static_cast<float>(MAX_VEL_1), static_cast<float>(MAX_VEL_2)};
    std::vector<float> lo(6), hi(6);
    for (int k = 0; k < 6; ++k) {
      lo[k] = -high[k];
      hi[k] = high[k];
    }
    e.observation_space = Space::box({6}, lo, hi);
    e.action_space = Space::discrete(3);
    e.max_episode_steps = 500;
    e.reward_threshold = -100.0;
    e.params = {};
    e.reset_options = {{"low", -0.1}, {"high", 0.1}};
    e.state_size = 4;
    e.reference_entry_point = "gymnasium.envs.classic_control.acrobot:AcrobotEnv";
    return e;
  }();
  return s;
}

namespace {

// gymnasium's _dsdt ("book" dynamics), in its operation order: Python evaluates
// left to right, the constant prefixes (e.g. `-m2 * l1 * lc2`) fold to the same
// float64 values here at compile time. `s_augmented`: the four state values and the
// torque; `d`: (dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0).
inline void dsdt(const double* s_augmented, double* d) {
  using A = AcrobotEnv;
  constexpr double m1 = A::LINK_MASS_1, m2 = A::LINK_MASS_2, l1 = A::LINK_LENGTH_1, lc1 = A::LINK_COM_POS_1,
                   lc2 = A::LINK_COM_POS_2, I1 = A::LINK_MOI, I2 = A::LINK_MOI, g = 9.8, pi = A::pi;
  // Python constants `lc1**2` etc.: pow of an exactly representable square is exact.
  constexpr double lc1_2 = lc1 * lc1, l1_2 = l1 * l1, lc2_2 = lc2 * lc2;
  const double a = s_augmented[4];
  const double theta1 = s_augmented[0], theta2 = s_augmented[1], dtheta1 = s_augmented[2], dtheta2 = s_augmented[3];
  const double cos_theta2 = std::cos(theta2), sin_theta2 = std::sin(theta2);
  const double d1 = m1 * lc1_2 + m2 * (l1_2 + lc2_2 + 2 * l1 * lc2 * cos_theta2) + I1 + I2;
  const double d2 = m2 * (lc2_2 + l1 * lc2 * cos_theta2) + I2;
  const double phi2 = m2 * lc2 * g * std::cos(theta1 + theta2 - pi / 2.0);
  const double phi1 = -m2 * l1 * lc2 * numpy_square(dtheta2) * sin_theta2 -
                      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin_theta2 +
                      (m1 * lc1 + m2 * l1) * g * std::cos(theta1 - pi / 2) + phi2;
  const double ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * numpy_square(dtheta1) * sin_theta2 - phi2) /
                          (m2 * lc2_2 + I2 - numpy_square(d2) / d1);
  const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  d[0] = dtheta1;
  d[1] = dtheta2;
  d[2] = ddtheta1;
  d[3] = ddtheta2;
  d[4] = 0.0;
}

// gymnasium's rk4(derivs, y0, [0, dt]): one step, each numpy array operation
// elementwise and separately rounded: `y0 + dt2 * k1` is y0[j] + (dt2 * k1[j]), and
// `y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)` is
// y0[j] + (dt/6.0) * (((k1[j] + 2*k2[j]) + 2*k3[j]) + k4[j]).
inline void rk4(const double* y0, double* yout) {
  constexpr double dt = AcrobotEnv::dt - 0;  // t[1] - t[0] with t = [0, self.dt]
  constexpr double dt2 = dt / 2.0;
  double k1[5], k2[5], k3[5], k4[5], y[5];
  dsdt(y0, k1);
  for (int j = 0; j < 5; ++j) y[j] = y0[j] + dt2 * k1[j];
  dsdt(y, k2);
  for (int j = 0; j < 5; ++j) y[j] = y0[j] + dt2 * k2[j];
  dsdt(y, k3);
  for (int j = 0; j < 5; ++j) y[j] = y0[j] + dt * k3[j];
  dsdt(y, k4);
  for (int j = 0; j < 4; ++j) yout[j] = y0[j] + dt / 6.0 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
}

// gymnasium's wrap(x, m, M): repeated subtraction/addition of M - m. Where
// gymnasium would loop forever (x infinite, or so large that x - diff == x) the
// result is NaN instead.
inline double wrap(double x, double m, double M) {
  const double diff = M - m;
  while (x > M) {
    const double next = x - diff;
    if (next == x) return std::numeric_limits<double>::quiet_NaN();
    x = next;
  }
  while (x < m) {
    const double next = x + diff;
    if (next == x) return std::numeric_limits<double>::quiet_NaN();
    x = next;
  }
  return x;
}

// gymnasium's bound(x, m, M) = min(max(x, m), M) with Python's builtins: max keeps
// its first argument unless the second is greater, min unless the second is less.
inline double bound(double x, double m, double M) {
  const double y = m > x ? m : x;
  return M < y ? M : y;
}

bool is_float32(double v) { return std::isnan(v) || static_cast<double>(static_cast<float>(v)) == v; }

}  // namespace

void AcrobotEnv::reset(Pcg64& rng, const double* options) {
  // np_random.uniform(low, high, size=(4,)).astype(np.float32), drawn in state order.
  for (double& v : state) v = static_cast<float>(rng.uniform(options[0], options[1]));
  float32_state = true;
}

StepOutcome AcrobotEnv::step(const Action& action) {
  double torque = AVAIL_TORQUE[action.discrete];
  static_assert(torque_noise_max == 0.0, "gymnasium's Acrobot adds no torque noise");
  // s_augmented = np.append(s, torque): float64 (a float32 state widens exactly).
  const double s_augmented[5] = {state[0], state[1], state[2], state[3], torque};
  double ns[4];
  rk4(s_augmented, ns);
  state[0] = wrap(ns[0], -pi, pi);
  state[1] = wrap(ns[1], -pi, pi);
  state[2] = bound(ns[2], -MAX_VEL_1, MAX_VEL_1);
  state[3] = bound(ns[3], -MAX_VEL_2, MAX_VEL_2);
  float32_state = false;
  const bool terminated = terminal();
  return {terminated ? 0.0 : -1.0, terminated};
}

bool AcrobotEnv::terminal() const { return -std::cos(state[0]) - std::cos(state[1] + state[0]) > 1.0; }

void AcrobotEnv::observe(float* obs) const {
  if (float32_state) {  // cos/sin of np.float32 scalars: numpy's float32 kernel
    const float t1 = static_cast<float>(state[0]), t2 = static_cast<float>(state[1]);
    obs[0] = numpy_cosf(t1);
    obs[1] = numpy_sinf(t1);
    obs[2] = numpy_cosf(t2);
    obs[3] = numpy_sinf(t2);
  } else {  // float64 cos/sin, then np.array(..., dtype=np.float32)
    obs[0] = static_cast<float>(std::cos(state[0]));
    obs[1] = static_cast<float>(std::sin(state[0]));
    obs[2] = static_cast<float>(std::cos(state[1]));
    obs[3] = static_cast<float>(std::sin(state[1]));
  }
  obs[4] = static_cast<float>(state[2]);
  obs[5] = static_cast<float>(state[3]);
}

void AcrobotEnv::get_state(double* s) const {
  for (int k = 0; k < 4; ++k) s[k] = state[k];
}

void AcrobotEnv::set_state(const double* s) {
  float32_state = true;
  for (int k = 0; k < 4; ++k) {
    state[k] = s[k];
    float32_state = float32_state && is_float32(s[k]);
  }
}

}  // namespace fastac
