// io/run_journal: the journal of a resumable run. Its text format round-trips and refuses damage, a fingerprint
// mismatch is one line naming what differs, and the journal directory keeps a record durable only after the outputs
// (the callback runs first), survives a kept run and disappears otherwise.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/exec/checkpoints.hpp"
#include "io/run_journal.hpp"

#include "tests/unit/temp_paths.hpp"

using namespace tilesum;
using Catch::Matchers::Contains;

namespace {

std::string fresh_output_path(const std::string& name) {
    std::string path = testing::fresh_temp_path("test_journal", name + ".h5");
    std::filesystem::remove_all(io::journal_directory_for(path));
    return path;
}

io::Fingerprint sample_fingerprint() {
    return {{"script", "fnv1a64 " + io::fnv1a_hex("E = einsum('ij->i', A)\n")},
            {"plan", "fnv1a64 0123456789abcdef"},
            {"input:A", "dataset '/A' in 'in.h5' at /data/in.h5, (4, 5) float64, 1234 bytes, modified 17.5"}};
}

RunProgress sample_progress() {
    RunProgress progress;
    progress.steps = {{true, 0}, {false, 12}};
    progress.outputs = {{7, 0}, {3, 2}};
    progress.tensors = {"piece-0", "pass-1-tile-12-piece-1", "output-1-tile-3-slab-2"};
    return progress;
}

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("journal text round-trips fingerprint and progress", "[journal]") {
    const io::JournalContents contents{sample_fingerprint(), sample_progress()};
    const std::string text = io::format_journal(contents);
    CHECK(text.rfind("tilesum-journal 1\n", 0) == 0);
    CHECK_THAT(text, Contains("step tiles 12\n") && Contains("output 3 2\n") && Contains("tensor piece-0\n"));
    CHECK(text.size() >= 4);
    CHECK(text.substr(text.size() - 4) == "end\n");
    CHECK(io::parse_journal(text, "j") == contents);
    // A fresh journal: no progress at all.
    const io::JournalContents empty{sample_fingerprint(), {}};
    CHECK(io::parse_journal(io::format_journal(empty), "j") == empty);
    CHECK(empty.progress.empty());
    CHECK_FALSE(contents.progress.empty());
}

TEST_CASE("a damaged journal is an io error naming the file, never a guess", "[journal]") {
    const std::string good = io::format_journal({sample_fingerprint(), sample_progress()});
    const std::vector<std::string> damaged = {
        "",                                      // empty
        good.substr(0, good.size() - 4),         // cut short before "end"
        "tilesum-journal 2\nend\n",              // another format version
        "tilesum-journal 1\nstep maybe\nend\n",  // a step that is neither done nor tiles
        "tilesum-journal 1\noutput 3 x\nend\n",  // not a count
        "tilesum-journal 1\nwhatever 1\nend\n",  // unknown record
        "tilesum-journal 1\nend\nstep done\n",   // text after the end
    };
    for (const std::string& text : damaged) {
        INFO(text);
        try {
            io::parse_journal(text, "out.h5.tilesum-resume/journal");
            FAIL("parsed a damaged journal");
        } catch (const Error& error) {
            CHECK(error.kind() == ErrorKind::io);
            CHECK_THAT(error.what(), Contains("out.h5.tilesum-resume/journal") && Contains("damaged"));
        }
    }
}

TEST_CASE("a fingerprint mismatch says what differs in one line", "[journal]") {
    const io::Fingerprint recorded = sample_fingerprint();
    CHECK_FALSE(io::fingerprint_mismatch(recorded, recorded).has_value());

    io::Fingerprint edited_script = recorded;
    edited_script[0].value = "fnv1a64 " + io::fnv1a_hex("E = einsum('ij->j', A)\n");
    CHECK(io::fingerprint_mismatch(recorded, edited_script).value() == "the script differs from the unfinished run's");

    io::Fingerprint other_plan = recorded;
    other_plan[1].value = "fnv1a64 fedcba9876543210";
    CHECK_THAT(io::fingerprint_mismatch(recorded, other_plan).value(), Contains("the plan") && Contains("--memory"));

    io::Fingerprint touched_input = recorded;
    touched_input[2].value = "dataset '/A' in 'in.h5' at /data/in.h5, (4, 5) float64, 1234 bytes, modified 18.25";
    const std::string message = io::fingerprint_mismatch(recorded, touched_input).value();
    CHECK_THAT(message, Contains("input 'A' differs") && Contains("modified 17.5") && Contains("modified 18.25"));
    CHECK(message.find('\n') == std::string::npos);

    io::Fingerprint more_inputs = recorded;
    more_inputs.push_back({"input:B", "b"});
    CHECK(io::fingerprint_mismatch(recorded, more_inputs).value() == "input 'B' is new since the unfinished run");
    CHECK(io::fingerprint_mismatch(more_inputs, recorded).value() == "input 'B' of the unfinished run is gone");
}

TEST_CASE("fnv1a_hex is FNV-1a 64 in 16 hex digits", "[journal]") {
    CHECK(io::fnv1a_hex("") == "cbf29ce484222325");   // the offset basis
    CHECK(io::fnv1a_hex("a") == "af63dc4c8601ec8c");  // the published test vector
}

TEST_CASE("a run journal records after the outputs are durable and resumes what it recorded", "[journal]") {
    const std::string out = fresh_output_path("resume");
    const std::string directory = io::journal_directory_for(out);
    const std::vector<double> piece = {1.5, -2.25, 3e300, 0.1};
    std::vector<std::string> journal_seen_by_flush;
    {
        io::RunJournal journal(out, sample_fingerprint(), /*resume=*/false,
                               [&] { journal_seen_by_flush.push_back(read_text(directory + "/journal")); });
        CHECK_FALSE(journal.resuming());
        CHECK_FALSE(journal.has_progress());
        CHECK(std::filesystem::exists(directory + "/journal"));
        journal.save_tensor("piece-0", piece.data(), piece.size());
        journal.save_tensor("stale-checkpoint", piece.data(), 1);
        RunProgress progress = sample_progress();
        progress.tensors = {"piece-0"};
        journal.record(progress);
        // The flush ran before the journal named the new progress: it saw the previous record.
        REQUIRE(journal_seen_by_flush.size() == 1);
        CHECK_THAT(journal_seen_by_flush[0], !Contains("step done"));
        CHECK_THAT(read_text(directory + "/journal"), Contains("step done"));
        CHECK(journal.has_progress());
        CHECK_FALSE(std::filesystem::exists(directory + "/stale-checkpoint.bin"));  // no record names it
        journal.keep_for_resume();                                                  // as after a write error
    }
    REQUIRE(std::filesystem::exists(directory + "/piece-0.bin"));

    SECTION("--resume with the same fingerprint continues the record") {
        io::RunJournal journal(out, sample_fingerprint(), /*resume=*/true, nullptr);
        CHECK(journal.resuming());
        RunProgress expected = sample_progress();
        expected.tensors = {"piece-0"};
        CHECK(journal.recorded() == expected);
        std::vector<double> loaded(piece.size());
        journal.load_tensor("piece-0", loaded.data(), loaded.size());
        CHECK(loaded == piece);
        std::vector<double> wrong_size(3);
        CHECK_THROWS_MATCHES(
            journal.load_tensor("piece-0", wrong_size.data(), wrong_size.size()), Error,
            Catch::Matchers::Predicate<Error>([](const Error& e) { return e.kind() == ErrorKind::io; }));
    }
    SECTION("--resume with another script is a usage error saying so, and keeps the journal") {
        io::Fingerprint other = sample_fingerprint();
        other[0].value = "fnv1a64 0000000000000000";
        try {
            io::RunJournal journal(out, other, /*resume=*/true, nullptr);
            FAIL("resumed a different script");
        } catch (const Error& error) {
            CHECK(error.kind() == ErrorKind::usage);
            CHECK_THAT(error.what(), Contains("--resume: the script differs") && Contains("without --resume"));
        }
        CHECK(std::filesystem::exists(directory + "/journal"));
    }
    SECTION("a run without --resume discards the stale journal, and removes its own when it ends") {
        {
            io::RunJournal journal(out, sample_fingerprint(), /*resume=*/false, nullptr);
            CHECK_FALSE(journal.resuming());
            CHECK(journal.recorded().steps.empty());
            CHECK_FALSE(std::filesystem::exists(directory + "/piece-0.bin"));
        }
        CHECK_FALSE(std::filesystem::exists(directory));
    }
}

TEST_CASE("resuming with no journal, or one without progress, starts from the beginning", "[journal]") {
    const std::string out = fresh_output_path("nothing");
    {
        io::RunJournal journal(out, sample_fingerprint(), /*resume=*/true, nullptr);
        CHECK_FALSE(journal.resuming());
    }
    {
        io::RunJournal journal(out, sample_fingerprint(), /*resume=*/false, nullptr);
        journal.keep_for_resume();  // as a kill -9 before the first record would leave it
    }
    io::RunJournal journal(out, sample_fingerprint(), /*resume=*/true, nullptr);
    CHECK_FALSE(journal.resuming());
}

namespace {

// A store that only hands back what an earlier run recorded.
class RecordedStore final : public CheckpointStore {
public:
    explicit RecordedStore(RunProgress recorded) : recorded_(std::move(recorded)) {}
    const RunProgress& recorded() const override { return recorded_; }
    void save_tensor(const std::string& /*key*/, const double* /*values*/, std::size_t /*count*/) override {}
    void load_tensor(const std::string& /*key*/, double* /*dst*/, std::size_t /*count*/) override {}
    void record(const RunProgress& /*progress*/) override {}
    double checkpoint_seconds() const override { return 0; }

private:
    RunProgress recorded_;
};

}  // namespace

TEST_CASE("a partial sum is named by its output, tile and slab count, and resumed only when the record names it",
          "[journal]") {
    CHECK(exec::Checkpoints::partial_key(1, 3, 2) == "output-1-tile-3-slab-2");
    RecordedStore current(sample_progress());
    CHECK(exec::Checkpoints(&current, 2, 2).resumed() == sample_progress());

    // A journal of a tilesum that called slabs chunks: refused as one to start over, not read as a missing file.
    RunProgress older = sample_progress();
    older.tensors.back() = "output-1-tile-3-chunk-2";
    RecordedStore old_store(older);
    try {
        exec::Checkpoints checkpoints(&old_store, 2, 2);
        FAIL("resumed a partial sum the record does not name");
    } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains("--resume:") && Contains("'output-1-tile-3-slab-2'") &&
                                     Contains("run without --resume to start over"));
    }

    // The compensations of a partial sum of many slabs (kernels/accurate_sum.hpp) load only when the record names
    // them: a journal of a tilesum that saved none is refused as one to start over.
    exec::Checkpoints checkpoints(&current, 2, 2);
    double values[4] = {};
    checkpoints.load(exec::Checkpoints::partial_key(1, 3, 2), values, 4);
    CHECK(exec::Checkpoints::compensation_key(1, 3, 2) == "output-1-tile-3-slab-2-compensation");
    try {
        checkpoints.load(exec::Checkpoints::compensation_key(1, 3, 2), values, 4);
        FAIL("loaded compensations the record does not name");
    } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(),
                   Contains("'output-1-tile-3-slab-2-compensation'") && Contains("run without --resume to start over"));
    }
}
