// The team this process runs in (engine/common/team.hpp). The io layer is built twice (io/CMakeLists.txt): with
// MPI and parallel HDF5 for the tilesum CLI, where join_team() joins the MPI job it was started in; and with serial
// HDF5 and no MPI for the Python module (which shares its process with h5py's serial HDF5), where it is always
// alone.
#pragma once

#include <memory>

#include "engine/common/team.hpp"

namespace tilesum::io {

// Whether this build of io can run as one rank of several (MPI and parallel HDF5).
bool built_with_mpi();

// Started by mpirun (this build with MPI; the launcher's environment says so): initializes MPI and returns
// MPI_COMM_WORLD as the team, which finalizes MPI when destroyed. Otherwise, as always before MPI was built in, a
// team of one that never touches MPI: the same binary runs alone without an MPI runtime starting up. Call once,
// early in main, from the thread that will make every collective call.
std::unique_ptr<Team> join_team(int* argc, char*** argv);

}  // namespace tilesum::io
