// RunMonitor (rl/run_monitor.h): counts, the 100-episode window, the stop
// criteria, the greedy-confirmation cadence of stop_at_return, the learning-rate
// schedule, and concurrent use (this test also runs under ThreadSanitizer).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "rl/run_monitor.h"

using namespace fastac;

namespace {

TrainConfig target_config(double stop_at_return, int stop_eval_episodes) {
  TrainConfig c;
  c.stop_at_return = stop_at_return;
  c.stop_eval_episodes = stop_eval_episodes;
  return c;
}

void record(RunMonitor& m, int episodes, float episode_return) {
  for (int k = 0; k < episodes; ++k) m.record_episode(episode_return, 7);
}

}  // namespace

// after_updates: several updates (another process's) at once, with the total_steps criterion.
TEST(RunMonitor, AfterUpdatesCountsSeveral) {
  TrainConfig c;
  c.total_steps = 100;
  RunMonitor m(c);
  m.start();
  LossStats loss;
  loss.policy_loss = 0.25f;
  m.after_updates(60, 3, 1, loss);
  EXPECT_EQ(m.progress().env_steps, 60);
  EXPECT_EQ(m.progress().updates, 3);
  EXPECT_EQ(m.progress().skipped_updates, 1);
  EXPECT_EQ(m.progress().last_loss.policy_loss, 0.25f);
  EXPECT_FALSE(m.stopping());
  m.after_updates(40, 0, 0, loss);
  EXPECT_EQ(m.stop_reason(), StopReason::kTotalSteps);
}

TEST(RunMonitor, StartsEmpty) {
  RunMonitor m(TrainConfig{});
  const Progress p = m.progress();
  EXPECT_EQ(p.env_steps, 0);
  EXPECT_EQ(p.episodes, 0);
  EXPECT_EQ(p.updates, 0);
  EXPECT_EQ(p.skipped_updates, 0);
  EXPECT_EQ(p.evaluations, 0);
  EXPECT_TRUE(std::isnan(p.mean_return));
  EXPECT_TRUE(std::isnan(p.last_eval_return));
  EXPECT_FALSE(m.stopping());
  EXPECT_EQ(m.stop_reason(), StopReason::kNone);
  EXPECT_FALSE(m.take_evaluation_request());
  EXPECT_TRUE(m.history().empty());
}

TEST(RunMonitor, MeanReturnOverTheLast100Episodes) {
  RunMonitor m(TrainConfig{});
  m.after_update(10, {}, false);
  for (int i = 0; i < 30; ++i) m.record_episode(static_cast<float>(i), i + 1);
  EXPECT_DOUBLE_EQ(m.progress().mean_return, 14.5);  // fewer than 100: all of them
  m.after_update(5, {}, false);
  for (int i = 30; i < 150; ++i) m.record_episode(static_cast<float>(i), i + 1);
  const Progress p = m.progress();
  EXPECT_EQ(p.episodes, 150);
  EXPECT_DOUBLE_EQ(p.mean_return, 99.5);  // episodes 50..149
  const auto h = m.history();
  ASSERT_EQ(h.size(), 150u);  // the history keeps them all
  for (int i = 0; i < 150; ++i) {
    EXPECT_EQ(h[i].episode_return, static_cast<float>(i));
    EXPECT_EQ(h[i].length, i + 1);
    EXPECT_EQ(h[i].env_steps, i < 30 ? 10 : 15);  // the training steps counted when it ended
    EXPECT_GE(h[i].wall_time_s, 0.0);
  }
  m.record_episode(1.0f, 1, 4);  // ended 4 steps after the last update
  EXPECT_EQ(m.history().back().env_steps, 15 + 4);
  for (int i = 0; i < 250; ++i) m.record_episode(1.0f, 1);  // the ring buffer wraps more than once
  EXPECT_DOUBLE_EQ(m.progress().mean_return, 1.0);
}

// stop_eval_episodes == 0: the training episodes alone stop the run, once the
// window is full and its mean reaches the target.
TEST(RunMonitor, StopAtReturnWithoutEvaluationStops) {
  RunMonitor m(target_config(10.0, 0));
  record(m, 99, 1000.0f);
  EXPECT_FALSE(m.stopping());  // the window is not full yet
  record(m, 1, 1000.0f);
  EXPECT_TRUE(m.stopping());
  EXPECT_EQ(m.stop_reason(), StopReason::kStopAtReturn);
  EXPECT_FALSE(m.take_evaluation_request());

  RunMonitor slow(target_config(10.0, 0));
  record(slow, 100, 9.0f);
  EXPECT_FALSE(slow.stopping());
  record(slow, 49, 11.0f);
  EXPECT_FALSE(slow.stopping());  // mean 9.98
  record(slow, 1, 11.0f);
  EXPECT_TRUE(slow.stopping());  // mean exactly 10
  EXPECT_EQ(slow.stop_reason(), StopReason::kStopAtReturn);
  EXPECT_EQ(slow.progress().evaluations, 0);
}

TEST(RunMonitor, NoStopAtReturnWhenOff) {
  RunMonitor m(TrainConfig{});  // stop_at_return NaN
  record(m, 300, 1e9f);
  EXPECT_FALSE(m.stopping());
  EXPECT_FALSE(m.take_evaluation_request());
}

// stop_eval_episodes > 0: reaching the target requests one greedy evaluation; the
// next request waits for kEpisodesBetweenEvaluations new episodes after the
// evaluation; only an evaluation that reaches the target stops the run.
TEST(RunMonitor, StopAtReturnRequestsEvaluationsAtACadence) {
  ASSERT_EQ(RunMonitor::kEpisodesBetweenEvaluations, 10);
  RunMonitor m(target_config(10.0, 5));
  record(m, 100, 10.0f);
  EXPECT_FALSE(m.stopping());
  EXPECT_TRUE(m.take_evaluation_request());
  EXPECT_FALSE(m.take_evaluation_request());  // exactly one
  record(m, 5, 10.0f);
  EXPECT_FALSE(m.take_evaluation_request());
  EXPECT_FALSE(m.record_evaluation(9.5, 40));  // below the target: no stop
  EXPECT_FALSE(m.stopping());
  Progress p = m.progress();
  EXPECT_EQ(p.evaluations, 1);
  EXPECT_EQ(p.eval_env_steps, 40);
  EXPECT_EQ(p.last_eval_return, 9.5);
  EXPECT_EQ(p.env_steps, 0);  // evaluation steps are not training steps
  // The cadence counts from the evaluation's end (episode 105): 9 more are not enough.
  for (int k = 0; k < 9; ++k) {
    record(m, 1, 10.0f);
    EXPECT_FALSE(m.take_evaluation_request()) << "episode " << 106 + k;
  }
  record(m, 1, 10.0f);  // the 10th
  EXPECT_TRUE(m.take_evaluation_request());
  EXPECT_FALSE(m.take_evaluation_request());
  EXPECT_TRUE(m.record_evaluation(10.0, 60));  // reaches the target: stops
  EXPECT_TRUE(m.stopping());
  EXPECT_EQ(m.stop_reason(), StopReason::kStopAtReturn);
  p = m.progress();
  EXPECT_EQ(p.evaluations, 2);
  EXPECT_EQ(p.eval_env_steps, 100);
  EXPECT_EQ(p.last_eval_return, 10.0);
  // Stopped: no more requests, and a later evaluation does not report the stop again.
  record(m, 20, 10.0f);
  EXPECT_FALSE(m.take_evaluation_request());
  EXPECT_FALSE(m.record_evaluation(11.0, 1));
}

// A request not yet taken stays one request however many episodes follow; a
// window that falls below the target asks for none.
TEST(RunMonitor, PendingRequestIsTakenOnce) {
  RunMonitor m(target_config(10.0, 5));
  record(m, 100, 10.0f);
  record(m, 50, 10.0f);
  EXPECT_TRUE(m.take_evaluation_request());
  EXPECT_FALSE(m.take_evaluation_request());
  EXPECT_FALSE(m.record_evaluation(0.0, 1));
  record(m, 100, 0.0f);  // the window drops below the target
  EXPECT_FALSE(m.take_evaluation_request());
  EXPECT_FALSE(m.stopping());
}

TEST(RunMonitor, StopsAtTotalStepsAndCountsUpdates) {
  TrainConfig c;
  c.total_steps = 100;
  RunMonitor m(c);
  m.start();
  m.after_update(40, {1.0f, 2.0f, 3.0f, 4.0f}, false);
  m.after_update(40, {5.0f, 6.0f, 7.0f, 8.0f}, true);
  EXPECT_FALSE(m.stopping());
  Progress p = m.progress();
  EXPECT_EQ(p.env_steps, 80);
  EXPECT_EQ(p.updates, 1);
  EXPECT_EQ(p.skipped_updates, 1);
  EXPECT_EQ(p.last_loss.policy_loss, 5.0f);  // the most recent update's stats
  EXPECT_EQ(p.last_loss.value_loss, 6.0f);
  EXPECT_EQ(p.last_loss.entropy, 7.0f);
  EXPECT_EQ(p.last_loss.grad_norm, 8.0f);
  m.after_update(20, {}, false);
  EXPECT_TRUE(m.stopping());
  EXPECT_EQ(m.stop_reason(), StopReason::kTotalSteps);
  EXPECT_EQ(m.progress().env_steps, 100);
}

TEST(RunMonitor, StopsAtMaxSeconds) {
  TrainConfig c;
  c.max_seconds = 0.05;
  RunMonitor m(c);
  m.start();
  m.after_update(1, {}, false);
  EXPECT_FALSE(m.stopping());
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_GE(m.elapsed(), 0.05);
  m.after_update(1, {}, false);
  EXPECT_TRUE(m.stopping());
  EXPECT_EQ(m.stop_reason(), StopReason::kMaxSeconds);
  EXPECT_GE(m.progress().elapsed_s, 0.05);
}

TEST(RunMonitor, FirstStopReasonWins) {
  TrainConfig c;
  c.total_steps = 10;
  RunMonitor m(c);
  EXPECT_TRUE(m.stop(StopReason::kRequested));
  EXPECT_FALSE(m.stop(StopReason::kError));
  m.after_update(20, {}, false);
  EXPECT_TRUE(m.stopping());
  EXPECT_EQ(m.stop_reason(), StopReason::kRequested);
}

TEST(RunMonitor, StopReasonNames) {
  EXPECT_STREQ(stop_reason_name(StopReason::kNone), "none");
  EXPECT_STREQ(stop_reason_name(StopReason::kTotalSteps), "total_steps");
  EXPECT_STREQ(stop_reason_name(StopReason::kStopAtReturn), "stop_at_return");
  EXPECT_STREQ(stop_reason_name(StopReason::kMaxSeconds), "max_seconds");
  EXPECT_STREQ(stop_reason_name(StopReason::kRequested), "requested");
  EXPECT_STREQ(stop_reason_name(StopReason::kError), "error");
}

namespace {
// lr 0.5 decayed linearly over 1000 steps.
TrainConfig annealing_config() {
  TrainConfig c;
  c.lr = 0.5f;
  c.total_steps = 1000;
  c.anneal_lr = true;
  return c;
}
}  // namespace

TEST(RunMonitor, LearningRateAnnealsLinearlyToZero) {
  TrainConfig c = annealing_config();
  RunMonitor m(c);
  EXPECT_FLOAT_EQ(m.learning_rate(), 0.5f);
  m.after_update(250, {}, false);
  EXPECT_FLOAT_EQ(m.learning_rate(), 0.375f);
  EXPECT_FLOAT_EQ(m.progress().learning_rate, 0.375f);
  m.after_update(750, {}, false);
  EXPECT_EQ(m.learning_rate(), 0.0f);
  m.after_update(500, {}, false);  // past the budget: stays 0, never negative
  EXPECT_EQ(m.learning_rate(), 0.0f);

  c.anneal_lr = false;
  RunMonitor constant(c);
  constant.after_update(900, {}, false);
  EXPECT_EQ(constant.learning_rate(), 0.5f);
}

// Distributed A3C: the rate set from the run's schedule replaces this monitor's own.
TEST(RunMonitor, SetLearningRateOverridesTheOwnSchedule) {
  RunMonitor m(annealing_config());
  m.set_learning_rate(0.125f);
  EXPECT_EQ(m.learning_rate(), 0.125f);
  m.after_update(250, {}, false);  // this process's steps no longer move it
  EXPECT_EQ(m.learning_rate(), 0.125f);
  EXPECT_EQ(m.progress().learning_rate, 0.125f);
  m.set_learning_rate(0.0f);
  EXPECT_EQ(m.learning_rate(), 0.0f);
}

// Several threads record episodes and updates, take and answer evaluation
// requests and read progress at once: every count adds up, each request is taken
// once, and exactly one stop() call sets the reason.
TEST(RunMonitor, IsThreadSafe) {
  TrainConfig c = target_config(10.0, 5);
  c.total_steps = int64_t{1} << 40;
  RunMonitor m(c);
  m.start();
  constexpr int kThreads = 4, kIterations = 500;
  std::atomic<int> taken{0}, first_stops{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int j = 0; j < kIterations; ++j) {
        m.record_episode(10.0f, 3);
        m.after_update(5, {static_cast<float>(w), 0, 0, 0}, j % 7 == 0);
        if (m.take_evaluation_request()) {
          ++taken;
          m.record_evaluation(0.0, 2);  // below the target
        }
        const Progress p = m.progress();
        EXPECT_LE(p.episodes, kThreads * kIterations);
        (void)m.learning_rate();
        if (j % 100 == 0) EXPECT_LE(m.history().size(), static_cast<size_t>(kThreads * kIterations));
      }
      first_stops += m.stop(w % 2 ? StopReason::kRequested : StopReason::kError);
    });
  }
  for (auto& t : threads) t.join();
  const Progress p = m.progress();
  EXPECT_EQ(p.episodes, kThreads * kIterations);
  EXPECT_EQ(p.env_steps, 5 * kThreads * kIterations);
  EXPECT_EQ(p.updates + p.skipped_updates, kThreads * kIterations);
  EXPECT_EQ(p.skipped_updates, kThreads * ((kIterations + 6) / 7));
  EXPECT_DOUBLE_EQ(p.mean_return, 10.0);
  EXPECT_GE(taken.load(), 1);
  EXPECT_EQ(p.evaluations, taken.load());
  EXPECT_EQ(p.eval_env_steps, 2 * taken.load());
  EXPECT_EQ(m.history().size(), static_cast<size_t>(kThreads * kIterations));
  EXPECT_EQ(first_stops.load(), 1);
  EXPECT_TRUE(m.stop_reason() == StopReason::kRequested || m.stop_reason() == StopReason::kError);
}

// While an evaluation is in flight, more training episodes issue no second request
// (two workers would evaluate the same stream at once, and a late failing one would
// overwrite last_eval_return after a passing one stopped the run).
TEST(RunMonitor, NoNewRequestWhileAnEvaluationIsInFlight) {
  RunMonitor m(target_config(10.0, 5));
  record(m, 100, 10.0f);
  ASSERT_TRUE(m.take_evaluation_request());  // a worker starts evaluating
  record(m, 30, 10.0f);                      // the others keep training
  EXPECT_FALSE(m.take_evaluation_request());
  EXPECT_FALSE(m.record_evaluation(5.0, 1));  // it fails at episode 130
  record(m, 9, 10.0f);                        // the cadence counts from there
  EXPECT_FALSE(m.take_evaluation_request());
  record(m, 1, 10.0f);
  EXPECT_TRUE(m.take_evaluation_request());
  EXPECT_EQ(m.progress().evaluations, 1);
}

TEST(RunMonitor, WindowsReturnsAndLengths) {
  RunMonitor m(TrainConfig{});
  for (int k = 0; k < 150; ++k) m.record_episode(static_cast<float>(k), k);
  const Progress p = m.progress();
  EXPECT_DOUBLE_EQ(p.mean_return, (50.0 + 149.0) / 2);  // the last 100: 50..149
  EXPECT_DOUBLE_EQ(p.mean_length, (50.0 + 149.0) / 2);
  const RunCounters c = m.counters();
  ASSERT_EQ(c.recent_returns.size(), 100u);
  EXPECT_EQ(c.recent_returns.front(), 50.0f);  // oldest first
  EXPECT_EQ(c.recent_returns.back(), 149.0f);
  EXPECT_EQ(c.recent_lengths.front(), 50);
  EXPECT_EQ(c.episodes, 150);
}

// A resumed monitor counts on from the counters: totals, the episode window (which
// then rolls on as if the run had never stopped), the lr schedule over the total,
// and steps/s of this run only.
TEST(RunMonitor, ResumesFromCounters) {
  TrainConfig c;
  c.total_steps = 2000;
  c.anneal_lr = true;
  c.lr = 1.0f;
  RunMonitor first(c);
  for (int k = 0; k < 130; ++k) first.record_episode(static_cast<float>(k), 2 * k);
  first.after_update(1000, LossStats{}, false);
  RunMonitor second(c);
  second.resume(first.counters());
  Progress p = second.progress();
  EXPECT_EQ(p.env_steps, 1000);
  EXPECT_EQ(p.run_env_steps, 0);
  EXPECT_EQ(p.episodes, 130);
  EXPECT_EQ(p.updates, 1);
  EXPECT_DOUBLE_EQ(p.mean_return, first.progress().mean_return);
  EXPECT_DOUBLE_EQ(p.mean_length, first.progress().mean_length);
  EXPECT_FLOAT_EQ(second.learning_rate(), 0.5f);  // half of total_steps done
  for (int k = 130; k < 160; ++k) {
    first.record_episode(static_cast<float>(k), 2 * k);
    second.record_episode(static_cast<float>(k), 2 * k);
  }
  EXPECT_DOUBLE_EQ(second.progress().mean_return, first.progress().mean_return);
  EXPECT_DOUBLE_EQ(second.progress().mean_length, first.progress().mean_length);
  EXPECT_EQ(second.counters().recent_returns, first.counters().recent_returns);
  EXPECT_EQ(second.history().size(), 30u);  // the history is this run's
  EXPECT_EQ(second.history().front().env_steps, 1000);
  second.after_update(1000, LossStats{}, false);
  EXPECT_TRUE(second.stopping());
  EXPECT_EQ(second.stop_reason(), StopReason::kTotalSteps);
  EXPECT_EQ(second.progress().run_env_steps, 1000);
}

TEST(RunMonitor, RefusesCountersThatDoNotAddUp) {
  RunMonitor m(TrainConfig{});
  RunCounters bad;
  bad.env_steps = -1;
  EXPECT_THROW(m.resume(bad), std::invalid_argument);
  RunCounters too_many;
  too_many.episodes = 200;
  too_many.recent_returns.assign(101, 0.0f);
  too_many.recent_lengths.assign(101, 1);
  EXPECT_THROW(m.resume(too_many), std::invalid_argument);
  RunCounters unpaired;
  unpaired.episodes = 2;
  unpaired.recent_returns = {1.0f, 2.0f};
  unpaired.recent_lengths = {1};
  EXPECT_THROW(m.resume(unpaired), std::invalid_argument);
  m.start();
  EXPECT_THROW(m.resume(RunCounters{}), std::logic_error);  // not once the run has started
}
