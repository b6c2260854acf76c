// join_team() of the io built without MPI (the Python module; builds with TILESUM_MPI off): always alone.
#include "io/hdf5_team_access.hpp"
#include "io/process_team.hpp"

namespace tilesum::io {

bool built_with_mpi() { return false; }

std::unique_ptr<Team> join_team(int* /*argc*/, char*** /*argv*/) { return std::make_unique<SoloTeam>(); }

h5::Handle team_file_access(const Team* team, const h5::Where& where) {
    TILESUM_ASSERT(!team || team->size() == 1);  // a team of several exists only in the MPI build
    return h5::plist_create(where, H5P_FILE_ACCESS);
}

}  // namespace tilesum::io
