// join_team() of the io built with MPI and parallel HDF5 (the tilesum CLI, TILESUM_MPI on): MPI_COMM_WORLD as the
// team when mpirun started this process.
#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "io/hdf5_team_access.hpp"
#include "io/process_team.hpp"

namespace tilesum::io {

namespace {

// Whether a launcher started this process as a rank of a job: Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE, PMIx
// launchers (Slurm's srun, Open MPI 5) PMIX_RANK, MPICH's hydra PMI_RANK. Without one, MPI is never initialized:
// Open MPI's singleton start-up would cost time and refuse to run as root, for nothing.
bool started_by_launcher() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
        if (std::getenv(name)) return true;
    return false;
}

// The errors of MPI calls are fatal (MPI_ERRORS_ARE_FATAL, the default on MPI_COMM_WORLD): a failed collective
// ends the job, it never returns here half done. So the calls below are not checked.
class MpiTeam final : public Team {
public:
    MpiTeam(int* argc, char*** argv) {
        // Serialized: tiles are written by HDF5 (MPI-IO) from the executor's writer threads, one call at a time
        // (io's HDF5 lock), while the collective calls come from the main thread between the run's stages.
        int provided = 0;
        MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
        if (provided < MPI_THREAD_SERIALIZED) {
            MPI_Finalize();
            fail(ErrorKind::io,
                 "the MPI library does not support calls from several threads one at a time "
                 "(MPI_THREAD_SERIALIZED), which tilesum needs under mpirun");
        }
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    ~MpiTeam() override {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Finalize();
    }
    MpiTeam(const MpiTeam&) = delete;
    MpiTeam& operator=(const MpiTeam&) = delete;

    int rank() const override { return rank_; }
    int size() const override { return size_; }

    std::optional<Error> agree(const std::optional<Error>& mine) const override {
        int failing = mine ? rank_ : size_;
        int lowest = size_;
        MPI_Allreduce(&failing, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (lowest == size_) return std::nullopt;
        int kind = mine ? static_cast<int>(mine->kind()) : 0;
        MPI_Bcast(&kind, 1, MPI_INT, lowest, MPI_COMM_WORLD);
        const std::string message = broadcast_from(lowest, mine && rank_ == lowest ? mine->what() : "");
        return Error(static_cast<ErrorKind>(kind), message);
    }

    std::string broadcast(const std::string& text) const override { return broadcast_from(0, text); }

    double sum(double value) const override {
        double result = 0;
        MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        return result;
    }
    double max(double value) const override {
        double result = 0;
        MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        return result;
    }
    void barrier() const override { MPI_Barrier(MPI_COMM_WORLD); }
    [[noreturn]] void abort(int status) const override {
        MPI_Abort(MPI_COMM_WORLD, status);
        std::exit(status);  // MPI_Abort does not return; this says so to the compiler
    }

private:
    std::string broadcast_from(int root, const std::string& text) const {
        auto length = static_cast<std::uint64_t>(text.size());
        MPI_Bcast(&length, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
        std::vector<char> bytes(text.begin(), text.end());
        bytes.resize(length);
        // MPI counts are int: a plan of more than 2 GiB of JSON is not a case worth chunking for.
        MPI_Bcast(bytes.data(), static_cast<int>(length), MPI_CHAR, root, MPI_COMM_WORLD);
        return {bytes.begin(), bytes.end()};
    }

    int rank_ = 0;
    int size_ = 1;
};

}  // namespace

bool built_with_mpi() { return true; }

std::unique_ptr<Team> join_team(int* argc, char*** argv) {
    if (!started_by_launcher()) return std::make_unique<SoloTeam>();
    return std::make_unique<MpiTeam>(argc, argv);
}

h5::Handle team_file_access(const Team* team, const h5::Where& where) {
    h5::Handle access = h5::plist_create(where, H5P_FILE_ACCESS);
    if (!team || team->size() == 1) return access;
    TILESUM_ASSERT(dynamic_cast<const MpiTeam*>(team) != nullptr);
    if (H5Pset_fapl_mpio(access.get(), MPI_COMM_WORLD, MPI_INFO_NULL) < 0)
        h5::fail_call(ErrorKind::io, where, "open with MPI-IO", "H5Pset_fapl_mpio");
    return access;
}

}  // namespace tilesum::io
