// Tells ThreadSanitizer about the synchronization a tbb::parallel_pipeline provides, which it cannot see.
//
// TBB's library is not built with -fsanitize=thread: the atomics with which a pipeline hands a token from one stage
// to the next, and runs a serial stage's successive calls on different threads, are invisible to TSan, so every
// access to a tile in flight looks like a race. PipelineHandoffs restores exactly what TBB guarantees, and no more:
//   - what the caller did before parallel_pipeline happens before every stage call;
//   - what a stage call did to the token it returns happens before the next stage's call on that token;
//   - a serial stage's calls are ordered among themselves;
//   - every stage call happens before the caller continues after parallel_pipeline.
// Two calls of the parallel stage on different tokens stay unordered, so a race between them (two tiles touching
// the same memory) is still reported, as is a serial stage touching what a parallel call is using.
// Without -fsanitize=thread it compiles to nothing.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define TILESUM_TSAN_HANDOFF 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TILESUM_TSAN_HANDOFF 1
#endif
#endif

#ifdef TILESUM_TSAN_HANDOFF
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
#endif

namespace tilesum {

// What a thread did before release(address) happens before what a thread does after a later acquire(address).
inline void handoff_release([[maybe_unused]] const void* address) {
#ifdef TILESUM_TSAN_HANDOFF
    __tsan_release(const_cast<void*>(address));
#endif
}

inline void handoff_acquire([[maybe_unused]] const void* address) {
#ifdef TILESUM_TSAN_HANDOFF
    __tsan_acquire(const_cast<void*>(address));
#endif
}

// One per parallel_pipeline run, constructed just before it and destroyed just after it (also when it throws).
class PipelineHandoffs {
public:
    PipelineHandoffs() { handoff_release(&setup_); }
    ~PipelineHandoffs() { handoff_acquire(&done_); }
    PipelineHandoffs(const PipelineHandoffs&) = delete;
    PipelineHandoffs& operator=(const PipelineHandoffs&) = delete;

    // Around one stage call, for its whole body. `token_in`: the token the call was given (nullptr for the first
    // stage); `serial_stage`: any address that stands for a serial stage (nullptr for the parallel stage).
    class StageCall {
    public:
        StageCall(const PipelineHandoffs& pipeline, const void* token_in, const void* serial_stage)
            : pipeline_(pipeline), serial_stage_(serial_stage) {
            handoff_acquire(&pipeline_.setup_);
            if (token_in) handoff_acquire(token_in);
            if (serial_stage_) handoff_acquire(serial_stage_);
        }
        // The token this call returns, handed to the next stage when the call ends.
        void hand_over(const void* token_out) { token_out_ = token_out; }
        ~StageCall() {
            if (token_out_) handoff_release(token_out_);
            if (serial_stage_) handoff_release(serial_stage_);
            handoff_release(&pipeline_.done_);
        }
        StageCall(const StageCall&) = delete;
        StageCall& operator=(const StageCall&) = delete;

    private:
        const PipelineHandoffs& pipeline_;
        const void* serial_stage_;
        const void* token_out_ = nullptr;
    };

private:
    // Only their addresses matter.
    char setup_ = 0;
    char done_ = 0;
};

}  // namespace tilesum
