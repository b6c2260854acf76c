// The file access property list of an output file that `team` writes together: HDF5's MPI-IO driver on the team's
// communicator when it has several ranks (the MPI build), HDF5's default driver otherwise. Defined by
// process_team_mpi.cpp or process_team_solo.cpp, whichever this build of io has.
#pragma once

#include "engine/common/team.hpp"
#include "io/hdf5_calls.hpp"

namespace tilesum::io {

h5::Handle team_file_access(const Team* team, const h5::Where& where);

}  // namespace tilesum::io
