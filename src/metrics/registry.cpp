#include "otpgate/metrics/registry.hpp"

#include "otpgate/metrics/text_format.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <utility>

namespace otpgate::metrics {

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double v) {
  // Prometheus buckets are inclusive upper bounds: v lands in the first bound >= v.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::bucket_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return b;
}

FamilyBase::FamilyBase(std::string name, std::string help, Type type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {}

void FamilyBase::render_header(std::string& out) const {
  static constexpr const char* types[] = {"counter", "gauge", "histogram"};
  out += "# HELP " + name_ + " " + escape_help(help_) + "\n";
  out += "# TYPE " + name_ + " " + types[static_cast<int>(type_)] + "\n";
}

namespace {

constexpr Type type_of(const Counter*) {
  return Type::counter;
}
constexpr Type type_of(const Gauge*) {
  return Type::gauge;
}
constexpr Type type_of(const Histogram*) {
  return Type::histogram;
}

std::uint64_t hash_values(const std::string_view* values, std::size_t n) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (std::size_t i = 0; i < n; ++i) {
    for (unsigned char c : values[i]) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;  // separator: ("ab","c") and ("a","bc") differ
  }
  return h;
}

void render_series(std::string& out, const std::string& name, const std::vector<std::string>& ln,
                   const std::vector<std::string>& lv, const Counter& c,
                   const std::vector<double>&) {
  out += name + format_labels(ln, lv) + " " + std::to_string(c.value()) + "\n";
}

void render_series(std::string& out, const std::string& name, const std::vector<std::string>& ln,
                   const std::vector<std::string>& lv, const Gauge& g, const std::vector<double>&) {
  out += name + format_labels(ln, lv) + " " + format_value(g.value()) + "\n";
}

void render_series(std::string& out, const std::string& name, const std::vector<std::string>& ln,
                   const std::vector<std::string>& lv, const Histogram& h,
                   const std::vector<double>& bounds) {
  const auto counts = h.bucket_counts();  // one snapshot: cumulative sums and _count agree
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    const std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
    out += name + "_bucket" + format_labels(ln, lv, "le=\"" + le + "\"") + " " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_sum" + format_labels(ln, lv) + " " + format_value(h.sum()) + "\n";
  out += name + "_count" + format_labels(ln, lv) + " " + std::to_string(cumulative) + "\n";
}

}  // namespace

template <class T>
struct Family<T>::Series {
  template <class... Args>
  Series(std::vector<std::string> v, Args&&... args)
      : values(std::move(v)), metric(std::forward<Args>(args)...) {}
  bool matches(const std::string_view* v, std::size_t n) const {
    if (n != values.size()) return false;
    for (std::size_t i = 0; i < n; ++i)
      if (values[i] != v[i]) return false;
    return true;
  }
  std::vector<std::string> values;
  T metric;
};

template <class T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds, std::size_t capacity)
    : FamilyBase(std::move(name), std::move(help), type_of(static_cast<T*>(nullptr)),
                 std::move(label_names)),
      bounds_(std::move(bounds)),
      // Twice the capacity, rounded up to a power of two: probes stay short when full.
      mask_(std::bit_ceil(std::max<std::size_t>(capacity, 1) * 2) - 1),
      capacity_(std::max<std::size_t>(capacity, 1)),
      slots_(std::make_unique<std::atomic<Series*>[]>(mask_ + 1)),
      spill_(make(std::vector<std::string>(label_names_.size(), "other"))) {}

template <class T>
std::unique_ptr<typename Family<T>::Series> Family<T>::make(std::vector<std::string> values) const {
  if constexpr (std::is_same_v<T, Histogram>)
    return std::make_unique<Series>(std::move(values), bounds_);
  else
    return std::make_unique<Series>(std::move(values));
}

template <class T>
Family<T>::~Family() {
  for (std::size_t i = 0; i <= mask_; ++i) delete slots_[i].load(std::memory_order_relaxed);
}

template <class T>
T& Family<T>::labels(std::initializer_list<std::string_view> values) {
  return find_or_add(values.begin(), values.size())->metric;
}

template <class T>
T& Family<T>::labels(const std::vector<std::string_view>& values) {
  return find_or_add(values.data(), values.size())->metric;
}

template <class T>
typename Family<T>::Series* Family<T>::find_or_add(const std::string_view* values, std::size_t n) {
  if (n != label_names_.size())
    throw std::logic_error(name_ + ": " + std::to_string(n) + " label values for " +
                           std::to_string(label_names_.size()) + " labels");
  if (Series* s = find_or_add(values, n, false)) return s;
  // Full: every label "other". That one series may exceed the capacity (the table has twice
  // as many slots), so it always finds a place.
  const std::vector<std::string_view> other(n, "other");
  if (Series* s = find_or_add(other.data(), n, true)) return s;
  return spill_.get();  // unreachable while the table has free slots; never rendered
}

template <class T>
typename Family<T>::Series* Family<T>::find_or_add(const std::string_view* values, std::size_t n,
                                                   bool past_capacity) {
  const std::uint64_t h = hash_values(values, n);
  for (std::size_t probe = 0; probe <= mask_; ++probe) {
    std::atomic<Series*>& slot = slots_[(h + probe) & mask_];
    Series* s = slot.load(std::memory_order_acquire);
    if (s == nullptr) {
      if (!past_capacity && size_.load(std::memory_order_relaxed) >= capacity_) return nullptr;
      auto fresh = make(std::vector<std::string>(values, values + n));
      if (slot.compare_exchange_strong(s, fresh.get(), std::memory_order_acq_rel)) {
        size_.fetch_add(1, std::memory_order_relaxed);
        return fresh.release();
      }
      // Another thread filled the slot first: s is its series, maybe the one we want.
    }
    if (s->matches(values, n)) return s;
  }
  return nullptr;
}

template <class T>
void Family<T>::render(std::string& out) const {
  render_header(out);
  std::vector<const Series*> all;
  for (std::size_t i = 0; i <= mask_; ++i)
    if (const Series* s = slots_[i].load(std::memory_order_acquire)) all.push_back(s);
  std::sort(all.begin(), all.end(),
            [](const Series* a, const Series* b) { return a->values < b->values; });
  for (const Series* s : all)
    render_series(out, name_, label_names_, s->values, s->metric, bounds_);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct Registry::Collected {
  std::uint64_t id;
  std::string name, help;
  std::vector<std::string> label_names;
  Collect collect;
};

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::add(std::unique_ptr<FamilyBase> f) {
  std::lock_guard lock(mutex_);
  const bool taken = std::any_of(families_.begin(), families_.end(),
                                 [&](const auto& g) { return g->name() == f->name(); }) ||
                     std::any_of(collected_.begin(), collected_.end(),
                                 [&](const auto& c) { return c->name == f->name(); });
  if (taken) throw std::logic_error("metric " + f->name() + " registered twice");
  families_.push_back(std::move(f));
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names, std::size_t capacity) {
  auto f = std::make_unique<Family<Counter>>(name, help, std::move(label_names),
                                             std::vector<double>{}, capacity);
  auto& ref = *f;
  add(std::move(f));
  return ref;
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names, std::size_t capacity) {
  auto f = std::make_unique<Family<Gauge>>(name, help, std::move(label_names),
                                           std::vector<double>{}, capacity);
  auto& ref = *f;
  add(std::move(f));
  return ref;
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names,
                                       std::vector<double> bounds, std::size_t capacity) {
  if (!std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end())
    throw std::logic_error("metric " + name + ": bucket bounds must ascend strictly");
  auto f = std::make_unique<Family<Histogram>>(name, help, std::move(label_names),
                                               std::move(bounds), capacity);
  auto& ref = *f;
  add(std::move(f));
  return ref;
}

Registration Registry::collected_gauge(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names, Collect collect) {
  std::lock_guard lock(mutex_);
  for (const auto& f : families_)
    if (f->name() == name) throw std::logic_error("metric " + name + " registered twice");
  for (const auto& c : collected_)
    if (c->name == name) throw std::logic_error("metric " + name + " registered twice");
  const std::uint64_t id = next_id_++;
  collected_.push_back(std::make_unique<Collected>(
      Collected{id, name, help, std::move(label_names), std::move(collect)}));
  return Registration(this, id);
}

void Registry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(collected_, [id](const auto& c) { return c->id == id; });
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& f : families_) f->render(out);
  for (const auto& c : collected_) {
    out += "# HELP " + c->name + " " + escape_help(c->help) + "\n";
    out += "# TYPE " + c->name + " gauge\n";
    auto samples = c->collect();
    std::sort(samples.begin(), samples.end(),
              [](const Sample& a, const Sample& b) { return a.labels < b.labels; });
    for (const Sample& s : samples)
      out += c->name + format_labels(c->label_names, s.labels) + " " + format_value(s.value) + "\n";
  }
  return out;
}

Registration::Registration(Registration&& o) noexcept
    : registry_(std::exchange(o.registry_, nullptr)), id_(o.id_) {}

Registration& Registration::operator=(Registration&& o) noexcept {
  if (this != &o) {
    if (registry_) registry_->remove(id_);
    registry_ = std::exchange(o.registry_, nullptr);
    id_ = o.id_;
  }
  return *this;
}

Registration::~Registration() {
  if (registry_) registry_->remove(id_);
}

}  // namespace otpgate::metrics
