#include "envs/pendulum.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "envs/numpy_math.h"

namespace fastac {

namespace {

// np.clip on one element: _NPY_MIN(_NPY_MAX(x, lo), hi), NaN passing through.
template <class T>
inline T np_clip(T x, T lo, T hi) {
  if (std::isnan(x)) return x;
  x = x > lo ? x : lo;
  return x < hi ? x : hi;
}

// Python's floored `a % b` for a finite b > 0 (numpy's npy_remainder): fmod, then
// shifted to b's sign; a zero result takes b's sign.
inline double py_mod(double a, double b) {
  double mod = std::fmod(a, b);
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

// gymnasium's angle_normalize: ((x + np.pi) % (2 * np.pi)) - np.pi.
inline double angle_normalize(double x) { return py_mod(x + M_PI, 2 * M_PI) - M_PI; }

// 0.001 and 3.0 / (m * l**2) meet the float32 torque as weak Python scalars: numpy
// rounds them to float32 and multiplies in float32.
const float kTorqueCostCoef = static_cast<float>(0.001);
const float kTorqueCoef = static_cast<float>(3.0 / (PendulumEnv::m * (PendulumEnv::l * PendulumEnv::l)));

}  // namespace

const EnvSpec& PendulumEnv::spec() {
  static const EnvSpec s = [] {
    EnvSpec e;
    e.id = "Pendulum-v1";
    // np.array([1.0, 1.0, self.max_speed], dtype=np.float32)
    const float high[3] = {1.0f, 1.0f, static_cast<float>(max_speed)};
    e.observation_space = Space::box({3}, {-high[0], -high[1], -high[2]}, {high[0], high[1], high[2]});
    e.action_space = Space::box({1}, {static_cast<float>(-max_torque)}, {static_cast<float>(max_torque)});
    e.max_episode_steps = 200;
    // reward_threshold: none (NaN), as gymnasium registers Pendulum-v1.
    e.params = {{"g", 10.0}};
    e.reset_options = {{"x_init", DEFAULT_X}, {"y_init", DEFAULT_Y}};
    e.state_size = 2;
    e.reference_entry_point = "gymnasium.envs.classic_control.pendulum:PendulumEnv";
    return e;
  }();
  return s;
}

// Python evaluates `3 * g / (2 * l)` left to right in float64.
PendulumEnv::PendulumEnv(const double* params) : g(params[0]), gravity_coef_(3 * params[0] / (2 * l)) {}

void PendulumEnv::set_th(double new_th) {
  th = new_th;
  sin_th_ = std::sin(th);
  cos_th_ = std::cos(th);
}

void PendulumEnv::reset(Pcg64& rng, const double* options) {
  // high = np.array([x, y]); low = -high; np_random.uniform(low=low, high=high):
  // numpy checks the ranges high - low first (all finite, then no sign bit set).
  const double high[2] = {options[0], options[1]};
  const double range[2] = {high[0] - -high[0], high[1] - -high[1]};
  if (!std::isfinite(range[0]) || !std::isfinite(range[1])) throw std::overflow_error("Range exceeds valid bounds");
  if (std::signbit(range[0]) || std::signbit(range[1])) throw std::invalid_argument("high - low < 0");
  const double new_th = rng.uniform(-high[0], high[0]);
  thdot = rng.uniform(-high[1], high[1]);
  set_th(new_th);
  last_u = NAN;
}

StepOutcome PendulumEnv::step(const Action& action) {
  // u = np.clip(u, -max_torque, max_torque)[0]: float32.
  const float u = np_clip(action.box[0], static_cast<float>(-max_torque), static_cast<float>(max_torque));
  last_u = u;
  // costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
  //       = (float64 + float64) + float32.
  const double costs = (numpy_square(angle_normalize(th)) + 0.1 * numpy_square(thdot)) +
                       static_cast<double>(kTorqueCostCoef * numpy_square(u));
  // newthdot = thdot + (3 * g / (2 * l) * np.sin(th) + 3.0 / (m * l**2) * u) * dt: the
  // torque term is float32, widened when added to the float64 gravity term.
  double newthdot = thdot + (gravity_coef_ * sin_th_ + static_cast<double>(kTorqueCoef * u)) * dt;
  newthdot = np_clip(newthdot, -max_speed, max_speed);
  const double newth = th + newthdot * dt;
  thdot = newthdot;
  set_th(newth);
  return {-costs, false};
}

void PendulumEnv::observe(float* obs) const {
  obs[0] = static_cast<float>(cos_th_);
  obs[1] = static_cast<float>(sin_th_);
  obs[2] = static_cast<float>(thdot);
}

void PendulumEnv::get_state(double* s) const {
  s[0] = th;
  s[1] = thdot;
}

void PendulumEnv::set_state(const double* s) {
  thdot = s[1];
  set_th(s[0]);
}

}  // namespace fastac
