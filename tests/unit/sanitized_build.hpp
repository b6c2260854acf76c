// Whether this test binary is built with AddressSanitizer or ThreadSanitizer. The sanitized builds (make test-asan
// is a Debug build) run the naive evaluator tens of times slower, so randomized tests run fewer cases there: the
// point of those builds is memory and thread errors on every code path, and the release suite in the same CI run
// checks all the cases' values.
#pragma once

namespace tilesum::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)  // g++
inline constexpr bool sanitized_build = true;
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool sanitized_build = true;
#else
inline constexpr bool sanitized_build = false;
#endif
#else
inline constexpr bool sanitized_build = false;
#endif

// How many randomized cases to run: `full` in a release build, `sanitized` under a sanitizer.
inline constexpr unsigned random_cases(unsigned full, unsigned sanitized) { return sanitized_build ? sanitized : full; }

}  // namespace tilesum::testing
