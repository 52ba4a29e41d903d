#include "cpp/kernel/channel_options.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tfsrp {
namespace {

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr int32_t kMaxRetryAttempts = 5;  // gRPC caps maxAttempts at 5
constexpr int32_t kMaxConnections = 64;   // as the transport
constexpr int32_t kDefaultInitialBackoffMillis = 100;
constexpr int32_t kDefaultMaxBackoffMillis = 1000;
constexpr double kDefaultBackoffMultiplier = 2;
constexpr uint32_t kDefaultRetryableCodes = 1u << static_cast<int>(absl::StatusCode::kUnavailable);

absl::Status Invalid(absl::string_view name, absl::string_view expected, absl::string_view value) {
  return absl::InvalidArgumentError(
      absl::StrCat("channel option ", name, " must be ", expected, ", got '", value, "'"));
}

absl::Status ReadStatusCodes(absl::string_view name, absl::string_view value, uint32_t* out) {
  constexpr absl::string_view kExpected =
      "a ',' separated list of gRPC status codes 1-16 (names such as UNAVAILABLE, or numbers)";
  uint32_t codes = 0;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    int code = 0;
    if (!absl::SimpleAtoi(item, &code)) {
      for (code = 1; code <= 16; ++code) {
        if (absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) == item) break;
      }
    }
    if (code < 1 || code > 16) return Invalid(name, kExpected, value);
    codes |= 1u << code;
  }
  *out = codes;
  return absl::OkStatus();
}

// The integer options: name, range, what the message says is expected, field.
struct IntOption {
  const char* name;
  int64_t min;
  int64_t max;
  const char* expected;
  int32_t* (*field)(ChannelSettings* s);
};

constexpr char kMillis[] = "an integer number of milliseconds from 1 to 2147483647";
constexpr char kAttempts[] = "0 (no retries) or an integer from 2 to 5";

const IntOption kIntOptions[] = {
    {"max_send_message_bytes", 0, kMaxInt32, "an integer from 0 (unlimited) to 2147483647 bytes",
     [](ChannelSettings* s) { return &s->max_send_message_bytes; }},
    {"max_receive_message_bytes", 0, kMaxInt32, "an integer from 0 (unlimited) to 2147483647 bytes",
     [](ChannelSettings* s) { return &s->max_receive_message_bytes; }},
    {"keepalive_time_millis", 0, kMaxInt32, "an integer from 0 (no keepalive pings) to 2147483647",
     [](ChannelSettings* s) { return &s->keepalive_time_millis; }},
    {"keepalive_timeout_millis", 0, kMaxInt32, "an integer from 0 (gRPC's 20 s) to 2147483647",
     [](ChannelSettings* s) { return &s->keepalive_timeout_millis; }},
    {"retry_max_attempts", 0, kMaxRetryAttempts, kAttempts,
     [](ChannelSettings* s) { return &s->retry.max_attempts; }},
    {"retry_initial_backoff_millis", 1, kMaxInt32, kMillis,
     [](ChannelSettings* s) { return &s->retry.initial_backoff_millis; }},
    {"retry_max_backoff_millis", 1, kMaxInt32, kMillis,
     [](ChannelSettings* s) { return &s->retry.max_backoff_millis; }},
    {"connections", 1, kMaxConnections, "an integer from 1 to 64",
     [](ChannelSettings* s) { return &s->connections; }},
    {"reconnect_initial_backoff_millis", 0, kMaxInt32,
     "an integer from 0 (gRPC's 1 s) to 2147483647",
     [](ChannelSettings* s) { return &s->reconnect_initial_backoff_millis; }},
    {"reconnect_max_backoff_millis", 0, kMaxInt32, "an integer from 0 (gRPC's 120 s) to 2147483647",
     [](ChannelSettings* s) { return &s->reconnect_max_backoff_millis; }},
};

constexpr const char* kOtherOptions[] = {"load_balancing", "keepalive_permit_without_calls",
                                         "retry_backoff_multiplier", "retry_status_codes"};

// Sets one option on `settings`, or says why its value is unusable.
absl::Status SetOption(absl::string_view name, absl::string_view value, ChannelSettings* s) {
  for (const IntOption& option : kIntOptions) {
    if (name != option.name) continue;
    int64_t parsed = 0;
    // retry_max_attempts: 1 would be no retries in a policy gRPC refuses.
    if (!absl::SimpleAtoi(value, &parsed) || parsed < option.min || parsed > option.max ||
        (name == "retry_max_attempts" && parsed == 1)) {
      return Invalid(name, option.expected, value);
    }
    *option.field(s) = static_cast<int32_t>(parsed);
    return absl::OkStatus();
  }
  if (name == "load_balancing") {
    if (value != "pick_first" && value != "round_robin") {
      return Invalid(name, "pick_first or round_robin", value);
    }
    s->load_balancing = std::string(value);
    return absl::OkStatus();
  }
  if (name == "keepalive_permit_without_calls") {
    if (value != "true" && value != "false") return Invalid(name, "true or false", value);
    s->keepalive_permit_without_calls = value == "true";
    return absl::OkStatus();
  }
  if (name == "retry_backoff_multiplier") {
    double multiplier = 0;
    if (!absl::SimpleAtod(value, &multiplier) || !std::isfinite(multiplier) || multiplier <= 0) {
      return Invalid(name, "a positive number", value);
    }
    s->retry.backoff_multiplier = multiplier;
    return absl::OkStatus();
  }
  if (name == "retry_status_codes") {
    return ReadStatusCodes(name, value, &s->retry.retryable_status_codes);
  }
  std::string known;
  for (const IntOption& option : kIntOptions) absl::StrAppend(&known, option.name, ", ");
  for (const char* other : kOtherOptions) absl::StrAppend(&known, other, ", ");
  known.resize(known.size() - 2);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown channel option '", name, "'; known options are ", known));
}

struct TargetOptions {
  std::mutex mu;
  std::map<std::string, ChannelOptionValues> by_target;
};

TargetOptions& ProcessTargetOptions() {
  static auto* options = new TargetOptions;
  return *options;
}

}  // namespace

absl::StatusOr<ChannelOptionValues> ParseChannelOptions(absl::string_view text) {
  ChannelOptionValues values;
  ChannelSettings scratch;
  for (absl::string_view entry : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    const size_t eq = entry.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("channel options are name=value pairs separated by ';', got '", entry, "'"));
    }
    absl::string_view name = absl::StripAsciiWhitespace(entry.substr(0, eq));
    absl::string_view value = absl::StripAsciiWhitespace(entry.substr(eq + 1));
    absl::Status status = SetOption(name, value, &scratch);
    if (!status.ok()) return status;
    if (!values.emplace(std::string(name), std::string(value)).second) {
      return absl::InvalidArgumentError(absl::StrCat("channel option ", name, " is given twice"));
    }
  }
  return values;
}

absl::Status ApplyChannelOptions(const ChannelOptionValues& values, ChannelSettings* settings) {
  for (const auto& [name, value] : values) {
    absl::Status status = SetOption(name, value, settings);
    if (!status.ok()) return status;
  }
  if (settings->reconnect_max_backoff_millis != 0 &&
      settings->reconnect_max_backoff_millis < settings->reconnect_initial_backoff_millis) {
    return absl::InvalidArgumentError(absl::StrCat(
        "channel option reconnect_max_backoff_millis (", settings->reconnect_max_backoff_millis,
        ") must not be less than reconnect_initial_backoff_millis (",
        settings->reconnect_initial_backoff_millis, ")"));
  }
  RetryPolicy& retry = settings->retry;
  if (values.count("retry_max_attempts") == 0) {
    for (const auto& [name, value] : values) {
      if (absl::StartsWith(name, "retry_")) {
        return absl::InvalidArgumentError(absl::StrCat(
            "channel option ", name, " needs retry_max_attempts (2 to 5) to take effect"));
      }
    }
    return absl::OkStatus();
  }
  if (retry.max_attempts < 2) {
    retry = RetryPolicy();
    return absl::OkStatus();
  }
  if (values.count("retry_initial_backoff_millis") == 0) {
    retry.initial_backoff_millis = kDefaultInitialBackoffMillis;
  }
  if (values.count("retry_max_backoff_millis") == 0) {
    retry.max_backoff_millis = std::max(kDefaultMaxBackoffMillis, retry.initial_backoff_millis);
  }
  if (values.count("retry_backoff_multiplier") == 0) {
    retry.backoff_multiplier = kDefaultBackoffMultiplier;
  }
  if (values.count("retry_status_codes") == 0)
    retry.retryable_status_codes = kDefaultRetryableCodes;
  if (retry.max_backoff_millis < retry.initial_backoff_millis) {
    return absl::InvalidArgumentError(
        absl::StrCat("channel option retry_max_backoff_millis (", retry.max_backoff_millis,
                     ") must not be less than retry_initial_backoff_millis (",
                     retry.initial_backoff_millis, ")"));
  }
  return absl::OkStatus();
}

absl::Status SetTargetChannelOptions(const std::string& target, absl::string_view text) {
  absl::StatusOr<ChannelOptionValues> values = ParseChannelOptions(text);
  if (!values.ok()) return values.status();
  ChannelSettings scratch;
  absl::Status status = ApplyChannelOptions(*values, &scratch);
  if (!status.ok()) return status;
  TargetOptions& t = ProcessTargetOptions();
  std::lock_guard<std::mutex> lock(t.mu);
  if (values->empty()) {
    t.by_target.erase(target);
  } else {
    t.by_target[target] = *std::move(values);
  }
  return absl::OkStatus();
}

ChannelOptionValues TargetChannelOptions(const std::string& target) {
  TargetOptions& t = ProcessTargetOptions();
  std::lock_guard<std::mutex> lock(t.mu);
  auto found = t.by_target.find(target);
  return found != t.by_target.end() ? found->second : ChannelOptionValues();
}

}  // namespace tfsrp
