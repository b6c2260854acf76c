// The processes one run is divided among: the ranks of an MPI job (tilesum run under mpirun, issue 15), or this
// process alone. The engine sees only this interface; the MPI implementation is io's (io/process_team.hpp), so that
// only the io layer and the CLI are built against MPI.
//
// Errors under several ranks: a rank that fails must not leave the others waiting in a collective call. Work that
// may fail on some ranks only runs inside together(): every rank then learns the first failure in rank order and
// throws it as a TeamError, which the CLI reports once (rank 0) with the status of that failure's kind.
#pragma once

#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include "engine/common/error.hpp"

namespace tilesum {

// An error every rank of the team holds (the same kind and message): reported once, by rank 0.
class TeamError : public Error {
public:
    using Error::Error;
};

class Team {
public:
    virtual ~Team() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // Collective: every rank passes its own failure, if any; every rank gets the failure of the lowest failing rank.
    virtual std::optional<Error> agree(const std::optional<Error>& mine) const = 0;
    // Collective: rank 0's `text` on every rank.
    virtual std::string broadcast(const std::string& text) const = 0;
    // Collective: the sum and the maximum of `value` over the ranks.
    virtual double sum(double value) const = 0;
    virtual double max(double value) const = 0;
    virtual void barrier() const = 0;
    // Ends every rank of the job now with `status`: for a failure only this rank saw where the others may be
    // waiting in a collective call (nothing to agree on). A team of one just exits.
    [[noreturn]] virtual void abort(int status) const = 0;
};

// This process alone: every collective call returns at once.
class SoloTeam final : public Team {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    std::optional<Error> agree(const std::optional<Error>& mine) const override { return mine; }
    std::string broadcast(const std::string& text) const override { return text; }
    double sum(double value) const override { return value; }
    double max(double value) const override { return value; }
    void barrier() const override {}
    [[noreturn]] void abort(int status) const override { std::exit(status); }
};

// Runs `step` on every rank of `team`, then agrees on the outcome: if any rank failed (with an Error), every rank
// throws the lowest failing rank's error as a TeamError. Alone (a null team or a team of one), just runs `step`:
// its errors propagate as they are. Exceptions other than Error count as internal errors.
template <typename Step>
void together(const Team* team, Step&& step) {
    if (!team || team->size() == 1) {
        step();
        return;
    }
    std::optional<Error> mine;
    try {
        step();
    } catch (const Error& error) {
        mine = error;
    } catch (const std::exception& error) {
        mine = Error(ErrorKind::internal, error.what());
    }
    if (const std::optional<Error> agreed = team->agree(mine)) throw TeamError(agreed->kind(), agreed->what());
}

}  // namespace tilesum
