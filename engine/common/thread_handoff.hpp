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

namespace detail {
// Addresses standing for "the caller set the pipeline up" and "a stage call ended". Global, not members of
// PipelineHandoffs, so that a stage can acquire the setup before it reads anything its lambda captured: TBB
// copies the lambda into its filter on the caller's thread, and that copy is part of the setup.
inline char pipeline_setup = 0;
inline char pipeline_stage_done = 0;
}  // namespace detail

// One per parallel_pipeline run, constructed just before it and destroyed just after it (also when it throws).
class PipelineHandoffs {
public:
    PipelineHandoffs() { handoff_release(&detail::pipeline_setup); }
    ~PipelineHandoffs() { handoff_acquire(&detail::pipeline_stage_done); }
    PipelineHandoffs(const PipelineHandoffs&) = delete;
    PipelineHandoffs& operator=(const PipelineHandoffs&) = delete;

    // Around one stage call, for its whole body: the first statement of the stage, before any capture is read.
    class StageCall {
    public:
        // `token_in`: the token the call was given (nullptr for the first stage).
        explicit StageCall(const void* token_in) {
            handoff_acquire(&detail::pipeline_setup);
            if (token_in) handoff_acquire(token_in);
        }
        // For a serial stage: `stage` is any address that stands for it; its calls are ordered among themselves.
        void serial(const void* stage) {
            serial_stage_ = stage;
            handoff_acquire(serial_stage_);
        }
        // The token this call returns, handed to the next stage when the call ends.
        void hand_over(const void* token_out) { token_out_ = token_out; }
        ~StageCall() {
            if (token_out_) handoff_release(token_out_);
            if (serial_stage_) handoff_release(serial_stage_);
            handoff_release(&detail::pipeline_stage_done);
        }
        StageCall(const StageCall&) = delete;
        StageCall& operator=(const StageCall&) = delete;

    private:
        const void* serial_stage_ = nullptr;
        const void* token_out_ = nullptr;
    };
};

}  // namespace tilesum
