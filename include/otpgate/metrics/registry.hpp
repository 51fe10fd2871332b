// Metrics in the Prometheus text exposition format 0.0.4: counters, gauges and fixed-bucket
// histograms, grouped in families with bounded label sets, and rendered at scrape time.
//
// Why it looks like this: io threads update metrics in parallel on the request path, so an update
// is one relaxed atomic add and finding a series by its label values takes no lock (an
// append-only hash table of atomic pointers; series are never removed). Only registration and
// rendering, both rare, take the registry's mutex. No Beast or Asio here: every layer may count.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate::metrics {

// Monotonic count of events (rendered as an integer).
class Counter {
 public:
  void inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void add(double d) { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implicit).
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double v);
  // Per-bucket (not cumulative) counts: bounds.size() + 1 entries, the last one for +Inf.
  std::vector<std::uint64_t> bucket_counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>& bounds_;  // the family's
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Buckets for request and command durations, in seconds: 0.5 ms to 10 s.
const std::vector<double>& latency_buckets();

enum class Type { counter, gauge, histogram };

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;
  const std::string& name() const { return name_; }
  // Appends HELP, TYPE and every series, sorted by label values.
  virtual void render(std::string& out) const = 0;

 protected:
  void render_header(std::string& out) const;
  std::string name_, help_;
  Type type_;
  std::vector<std::string> label_names_;
};

// The series of one metric name, found by label values (in label_names order). At most
// `capacity` distinct label sets; past that, updates go to one series whose every label is
// "other", so a bug that leaks an unbounded value into a label cannot grow memory.
template <class T>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {}, std::size_t capacity = 1024);
  ~Family() override;
  // values.size() must equal the number of label names.
  T& labels(std::initializer_list<std::string_view> values);
  T& labels(const std::vector<std::string_view>& values);
  void render(std::string& out) const override;

 private:
  struct Series;
  Series* find_or_add(const std::string_view* values, std::size_t n);
  Series* find_or_add(const std::string_view* values, std::size_t n, bool past_capacity);
  std::unique_ptr<Series> make(std::vector<std::string> values) const;
  std::vector<double> bounds_;  // histograms only
  std::size_t mask_;            // slots - 1; slots = a power of two >= 2 x capacity
  std::size_t capacity_;
  std::atomic<std::size_t> size_{0};
  std::unique_ptr<std::atomic<Series*>[]> slots_;
  std::unique_ptr<Series> spill_;
};

// Samples computed at scrape time (process figures, circuit states): label values and value.
struct Sample {
  std::vector<std::string> labels;
  double value = 0;
};
using Collect = std::function<std::vector<Sample>()>;

class Registry;

// Unregisters a collected gauge when destroyed: whatever `collect` reads may go with it.
class Registration {
 public:
  Registration() = default;
  Registration(Registry* r, std::uint64_t id) : registry_(r), id_(id) {}
  Registration(Registration&& o) noexcept;
  Registration& operator=(Registration&& o) noexcept;
  ~Registration();

 private:
  Registry* registry_ = nullptr;
  std::uint64_t id_ = 0;
};

class Registry {
 public:
  Registry();
  ~Registry();
  // Registration returns a family that lives as long as the registry. A name registered twice
  // throws std::logic_error (the exposition would be invalid).
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names = {}, std::size_t capacity = 1024);
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names = {}, std::size_t capacity = 1024);
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names, std::vector<double> bounds,
                               std::size_t capacity = 1024);
  // A gauge family whose samples `collect` computes at each render, until the handle goes.
  [[nodiscard]] Registration collected_gauge(const std::string& name, const std::string& help,
                                             std::vector<std::string> label_names, Collect collect);
  // Every family in registration order (collected gauges last), in the text format.
  std::string render() const;

 private:
  friend class Registration;
  struct Collected;
  void add(std::unique_ptr<FamilyBase> f);
  void remove(std::uint64_t id);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<std::unique_ptr<Collected>> collected_;
  std::uint64_t next_id_ = 1;
};

}  // namespace otpgate::metrics
