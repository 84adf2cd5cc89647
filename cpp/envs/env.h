// What a native environment is: a small single-environment struct (its state,
// reset and step) with a static spec. Batching, seeding, autoreset, the time
// limit and action validation are not the environment's business: the generic
// VectorEnv<Env> (envs/vector_env.h) owns them once for every environment.
//
// The concept an environment type E implements (cartpole.h is the example):
//
//   static const EnvSpec& spec();
//   explicit E(const double* params);        // spec().params values, in order
//   void reset(Pcg64& rng, const double* options);
//       // a new episode from spec().reset_options values, drawing from rng exactly
//       // as gymnasium's np_random draws (same calls, same order)
//   StepOutcome step(const Action& action);  // action already validated
//   void observe(float* obs) const;          // the observation of the current state
//                                            // (of E::Observation, if E names one: uint8_t
//                                            // for uint8/bool images)
//   void get_state(double* state) const;     // spec().state_size float64 values
//   void set_state(const double* state);     // inverse of get_state (tests, copies)
//
// An env that draws from a generator of its own rather than gymnasium's np_random
// (minatar's RandomState) declares how a seed reaches it, and ignores reset's rng:
//
//   void seed(const std::vector<uint32_t>& entropy_words);  // reset(seed=...)'s seed
//
// and may add, for speed, a batched step over n environments that gives the same
// results as calling step() on each in turn (mountain_car.h):
//
//   static void step_batch(E* envs, int n, const ActionBatch& actions, double* reward, uint8_t* terminated);
//
// or, where gathering the structs' fields into arrays would cost as much as the
// step, its own storage of a batch as arrays (cartpole.h), which VectorEnv then
// keeps instead of E structs, going through get/set for everything but the step:
//
//   struct Batch {
//     Batch(int n, const double* params);  // n envs as E(params) makes them
//     E get(int i) const;                  // env i as a struct
//     void set(int i, const E& env);
//     void step(const ActionBatch& actions, double* reward, uint8_t* terminated);  // every env, as step()
//     template <class Self>                // std::tie of its arrays, n plain values each:
//     static auto arrays(Self& batch);     // what VectorEnv::save/load copy
//   };
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace fastac {

// A gymnasium space, as far as the core needs one: Discrete(n, start) or a Box
// of float32 elements (flattened: low and high hold one bound per element).
struct Space {
  enum class Kind { kDiscrete, kBox };
  Kind kind = Kind::kBox;
  std::vector<int> shape;        // Box: its shape; Discrete: empty
  std::vector<float> low, high;  // Box: bounds per element, row-major (may be +-inf)
  int64_t n = 0, start = 0;      // Discrete

  static Space discrete(int64_t n, int64_t start = 0);
  static Space box(std::vector<int> shape, std::vector<float> low, std::vector<float> high);
  bool is_discrete() const { return kind == Kind::kDiscrete; }
  // Elements of one sample: 1 for Discrete, prod(shape) for a Box.
  int size() const {
    int n = 1;
    if (!is_discrete())
      for (int d : shape) n *= d;
    return n;
  }
};

// The element type of observations. Native envs give float32; Python envs may give
// images of uint8 or bool (stored as numpy does: one byte, 0 or 1), which stay one
// byte per value in env buffers and rollouts and become floats inside the network.
enum class ObsDtype : uint8_t { kFloat32, kUInt8, kBool };
inline size_t element_size(ObsDtype dtype) { return dtype == ObsDtype::kFloat32 ? 4 : 1; }
const char* obs_dtype_name(ObsDtype dtype);             // "float32", "uint8", "bool"
ObsDtype obs_dtype_from_name(const std::string& name);  // else std::invalid_argument

// Observations of a batch as bytes: rows of size * element_size(dtype) bytes, in float
// storage (so that float32 rows are aligned floats).
class ObservationBuffer {
 public:
  ObservationBuffer(size_t rows, int size, ObsDtype dtype)
      : row_bytes_(static_cast<size_t>(size) * element_size(dtype)),
        storage_((rows * row_bytes_ + sizeof(float) - 1) / sizeof(float)) {}
  size_t row_bytes() const { return row_bytes_; }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(storage_.data()); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(storage_.data()); }
  uint8_t* row(size_t i) { return data() + i * row_bytes_; }
  const uint8_t* row(size_t i) const { return data() + i * row_bytes_; }

 private:
  size_t row_bytes_;
  std::vector<float> storage_;
};

// A named number with its default: a constructor argument of the environment
// (gymnasium.make(id, name=value)) or a reset option (reset(options={name: value})).
struct EnvParam {
  std::string name;
  double default_value = 0.0;
  bool boolean = false;  // a bool argument: 0 or 1
};

struct EnvSpec {
  std::string id;                    // gymnasium id, e.g. "CartPole-v1"
  Space observation_space;           // a Box (its shape; bounds of float32 observations)
  ObsDtype observation_dtype = ObsDtype::kFloat32;  // what the observation buffers hold
  Space action_space;                // Discrete or float32 Box
  int max_episode_steps = 0;         // the TimeLimit of gymnasium's registration; 0: none
  double reward_threshold = std::numeric_limits<double>::quiet_NaN();  // NaN: none
  std::vector<EnvParam> params;      // constructor arguments, in the order E(params) reads them
  std::vector<EnvParam> reset_options;  // reset options, in the order reset(rng, options) reads them
  int state_size = 0;                // float64 values of get_state / set_state
  // The gymnasium class this environment reproduces ("module:Class"); rendering
  // draws with it (its `state` set from get_state).
  std::string reference_entry_point;
  // What render() offers: gymnasium's renderer of the reference, given the state
  // (classic control); none where the reference draws from objects no state sets.
  std::vector<std::string> render_modes = {"human", "rgb_array"};
  // The id under gymnasium's "fastac/" namespace: "fastac/CartPole-v1"; an id with a
  // namespace of its own has its "/" turned into "-" ("fastac/MinAtar-Breakout-v1"),
  // as a gymnasium id holds one namespace.
  std::string fastac_id() const;
};

// One sub-environment's action: the integer of a Discrete space, or a pointer to
// the action_space.size() floats of a Box.
struct Action {
  int64_t discrete = 0;
  const float* box = nullptr;
};

// Actions of a batch of sub-environments, as a typed buffer: `discrete` (int64,
// one per env) for a Discrete space, `box` (float32, action_space.size() per env,
// row-major) for a Box. The other pointer is null.
struct ActionBatch {
  const int64_t* discrete = nullptr;
  const float* box = nullptr;
  int box_size = 0;  // floats per env in `box`
  Action operator[](int i) const {
    return discrete ? Action{discrete[i], nullptr} : Action{0, box + static_cast<size_t>(i) * box_size};
  }
  // The actions from sample `samples` on.
  ActionBatch offset(size_t samples) const {
    return {discrete ? discrete + samples : nullptr, box ? box + samples * box_size : nullptr, box_size};
  }
};

// What E::step reports besides the new state.
struct StepOutcome {
  double reward = 0.0;  // float64, as gymnasium's single envs return it
  bool terminated = false;
};

}  // namespace fastac
