// The library API (include/tilesum/tilesum.hpp): expressions built in C++, planned into a Plan, run() from memory,
// .npy and HDF5 sources into memory and HDF5 sinks, with progress, cancellation and sources checked against the plan.
#include <catch2/catch.hpp>

#include <atomic>
#include <complex>
#include <filesystem>
#include <fstream>
#include <random>

#include <tilesum/tilesum.hpp>
#include "engine/eval/reference_eval.hpp"
#include "tests/unit/api_fixture.hpp"
#include "tests/unit/temp_paths.hpp"

using namespace tilesum;
using testing::normal_values;

namespace {

// The seed's inputs in memory, and E built from them with the C++ builders.
struct Seed {
    static constexpr Extent n = 24, q = 18;
    std::vector<double> A = normal_values(n * n, 1), B = normal_values(q, 2), Y2 = normal_values(n, 3),
                        Z2 = normal_values(q * n, 4);

    Tensor expression(Sources& sources) const {
        const Tensor a = sources.memory("A", A.data(), {n, n}), b = sources.memory("B", B.data(), {q});
        const Tensor y2 = sources.memory("Y2", Y2.data(), {n}), z2 = sources.memory("Z2", Z2.data(), {q, n});
        const Tensor C = einsum("i,jk->ijk", {b, a});
        const Tensor C2 = einsum("j,ik->ijk", {y2, z2});
        return einsum("ijk,ikj->k", {C + C2, C + C2});
    }
    // E by the naive evaluator.
    std::vector<double> expected(const Tensor& E) const {
        eval::InputValues values{{"A", {{n, n}, A}}, {"B", {{q}, B}}, {"Y2", {{n}, Y2}}, {"Z2", {{q, n}, Z2}}};
        return eval::reference_evaluate(*E.node(), values).values;
    }
};

PlanOptions small_budget(Strategy strategy = Strategy::automatic) {
    PlanOptions options;
    options.budget_bytes = 16 << 10;
    options.minimum_budget = 0;
    options.strategy = strategy;
    return options;
}

void require_close(const std::vector<double>& actual, const std::vector<double>& expected) {
    REQUIRE(actual.size() == expected.size());
    double scale = 1;
    for (double value : expected) scale = std::max(scale, std::abs(value));
    for (std::size_t element = 0; element < expected.size(); ++element) {
        INFO("element " << element);
        REQUIRE(std::abs(actual[element] - expected[element]) <= 1e-11 * scale);
    }
}

void require_error(ErrorKind kind, const std::string& contains, const std::function<void()>& body) {
    try {
        body();
        FAIL("no error; expected " << error_kind_name(kind) << " containing: " << contains);
    } catch (const Error& error) {
        INFO(error.what());
        REQUIRE(error.kind() == kind);
        REQUIRE_THAT(error.what(), Catch::Contains(contains));
    }
}

// "f3" for ('f', 3). (Not "f" + std::to_string(3): g++ 12 warns -Wrestrict on that inside its own headers.)
std::string output_name(char prefix, std::size_t position) {
    std::string name(1, prefix);
    name += std::to_string(position);
    return name;
}

}  // namespace

TEST_CASE("the seed built in C++ runs from memory sources into a memory sink to the naive answer", "[api][threads]") {
    const Seed seed;
    for (Strategy strategy : {Strategy::automatic, Strategy::tile, Strategy::expand}) {
        Sources sources;
        const Tensor E = seed.expression(sources);
        const Plan plan = make_plan({{"E", E}}, small_budget(strategy));
        REQUIRE(Plan::from_json(plan.to_json()) == plan);
        Sink sink = Sink::memory();
        const RunStats stats = run(plan, sources, sink);
        CHECK(stats.tiles_total > 1);
        require_close(sink.result("E"), seed.expected(E));
    }
}

TEST_CASE("run writes an output into caller-owned memory given with into(), of the output's shape only", "[api]") {
    const Seed seed;
    Sources sources;
    const Plan plan = make_plan({{"E", seed.expression(sources)}}, small_budget());
    std::vector<double> E(Seed::n, -1.0);
    Sink sink = Sink::memory();
    sink.into("E", E.data(), {Seed::n});
    run(plan, sources, sink);
    Sources again;
    require_close(E, seed.expected(seed.expression(again)));
    Sink wrong = Sink::memory();
    wrong.into("E", E.data(), {Seed::n - 1});
    require_error(ErrorKind::usage, "output 'E' is (24,), but the memory given for it is (23,)",
                  [&] { run(plan, sources, wrong); });
}

TEST_CASE("run reads HDF5 and writes HDF5: outputs appear under their names only when the run completes", "[api]") {
    const Seed seed;
    const std::string inputs = testing::fresh_temp_path("test_api", "inputs.h5");
    const std::string outputs = testing::fresh_temp_path("test_api", "outputs.h5");
    {  // The inputs, written by a plan that copies them from memory.
        Sources memory;
        Sink sink = Sink::hdf5(inputs);
        const Tensor a = memory.memory("A", seed.A.data(), {Seed::n, Seed::n});
        const Tensor z2 = memory.memory("Z2", seed.Z2.data(), {Seed::q, Seed::n});
        const RunStats stats =
            run(make_plan({{"A2", einsum("ij->ij", {a})}, {"Z", einsum("ij->ij", {z2})}}), memory, sink);
        REQUIRE(stats.written.size() == 2);
        CHECK(stats.written[0].where == inputs + ":/A2");
    }
    Sources sources;
    const Tensor A = sources.hdf5("A", inputs, "/A2");
    const Tensor Z2 = sources.hdf5("Z2", inputs, "/Z");
    const Tensor B = sources.memory("B", seed.B.data(), {Seed::q});
    const Tensor Y2 = sources.memory("Y2", seed.Y2.data(), {Seed::n});
    const Tensor C = einsum("i,jk->ijk", {B, A}), C2 = einsum("j,ik->ijk", {Y2, Z2});
    const Tensor E = einsum("ijk,ikj->k", {C + C2, C + C2});
    PlanOptions options = small_budget();
    options.budget_bytes = 8 << 20;  // the HDF5 chunk caches of A and Z take HDF5's default 1 MiB each
    const Plan plan = make_plan({{"E", E}}, options);
    Sink sink = Sink::hdf5(outputs);
    run(plan, sources, sink);

    {  // Read back through a source (closed at the end of the block: HDF5 would not reopen it for writing).
        Sources written;
        written.hdf5("E", outputs, "/E");
        Sink copy = Sink::memory();
        run(make_plan({{"F", einsum("k->k", {written.tensor("E")})}}), written, copy);
        Sources memory;
        require_close(copy.result("F"), seed.expected(seed.expression(memory)));
    }

    Sink again = Sink::hdf5(outputs);
    require_error(ErrorKind::usage, "output dataset '/E' already exists", [&] { run(plan, sources, again); });
}

TEST_CASE("run refuses sources that are not what the plan was made for, naming the input", "[api]") {
    const Seed seed;
    Sources sources;
    const Plan plan = make_plan({{"E", seed.expression(sources)}}, small_budget());
    Sources other;
    std::vector<double> wider(static_cast<std::size_t>(Seed::n + 1) * Seed::n);
    other.memory("A", wider.data(), {Seed::n + 1, Seed::n});
    other.memory("B", seed.B.data(), {Seed::q});
    other.memory("Y2", seed.Y2.data(), {Seed::n});
    other.memory("Z2", seed.Z2.data(), {Seed::q, Seed::n});
    Sink sink = Sink::memory();
    require_error(ErrorKind::usage,
                  "input 'A': the plan was made for (24, 24) float64, not chunked, but the caller's "
                  "memory is (25, 24) float64",
                  [&] { run(plan, other, sink); });
    Sources missing;
    missing.memory("A", seed.A.data(), {Seed::n, Seed::n});
    require_error(ErrorKind::usage, "input 'B' of the plan is bound to no source", [&] { run(plan, missing, sink); });
}

TEST_CASE("run reports progress tile by tile and stops with Error{interrupted} when cancelled", "[api][threads]") {
    const Seed seed;
    Sources sources;
    const Plan plan = make_plan({{"E", seed.expression(sources)}}, small_budget(Strategy::tile));
    std::vector<Progress> seen;
    RunControl control;
    control.on_progress = [&](const Progress& progress) { seen.push_back(progress); };
    Sink sink = Sink::memory();
    const RunStats stats = run(plan, sources, sink, control);
    REQUIRE(seen.size() == static_cast<std::size_t>(stats.tiles_total));
    CHECK(seen.back().tiles_done == seen.back().tiles_total);

    const std::string out = testing::fresh_temp_path("test_api", "cancelled.h5");
    std::atomic<bool> cancel{false};
    control.cancel = &cancel;
    control.on_progress = [&](const Progress&) { cancel = true; };
    Sink file = Sink::hdf5(out);
    require_error(ErrorKind::interrupted, "interrupted after", [&] { run(plan, sources, file, control); });
    CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("an HDF5 run cancelled after recorded tiles keeps its journal, and resume finishes it bit-identically",
          "[api][threads]") {
    const Seed seed;
    Sources sources;
    const Plan plan = make_plan({{"E", seed.expression(sources)}}, small_budget(Strategy::tile));
    std::vector<double> uninterrupted(Seed::n);
    Sink memory = Sink::memory();
    memory.into("E", uninterrupted.data(), {Seed::n});
    const RunStats whole = run(plan, sources, memory);
    REQUIRE(whole.tiles_total > 4);

    ::setenv("TILESUM_CHECKPOINT_SECONDS", "0", 1);  // record after every tile
    const std::string out = testing::fresh_temp_path("test_api", "resumed.h5");
    std::atomic<bool> cancel{false};
    RunControl control;
    control.cancel = &cancel;
    control.on_progress = [&](const Progress& progress) { cancel = progress.tiles_done >= 3; };
    Sink first = Sink::hdf5(out);
    require_error(ErrorKind::interrupted, "rerun with --resume to continue",
                  [&] { run(plan, sources, first, control); });
    CHECK(std::filesystem::is_directory(out + ".tilesum-resume"));

    Sink second = Sink::hdf5(out, false, true);
    const RunStats resumed = run(plan, sources, second);
    ::unsetenv("TILESUM_CHECKPOINT_SECONDS");
    CHECK(resumed.resumed);
    CHECK(resumed.tiles_resumed >= 3);
    CHECK_FALSE(std::filesystem::exists(out + ".tilesum-resume"));
    Sources written;
    written.hdf5("E", out, "/E");
    Sink copy = Sink::memory();
    run(make_plan({{"F", einsum("k->k", {written.tensor("E")})}}), written, copy);
    CHECK(copy.result("F") == uninterrupted);  // bit for bit
}

TEST_CASE("an HDF5 sink that discards unfinished work leaves nothing after a cancel with recorded tiles",
          "[api][threads]") {
    const Seed seed;
    Sources sources;
    const Plan plan = make_plan({{"E", seed.expression(sources)}}, small_budget(Strategy::tile));
    ::setenv("TILESUM_CHECKPOINT_SECONDS", "0", 1);  // record after every tile: there is work a resume could use
    const std::string out = testing::fresh_temp_path("test_api", "discarded.h5");
    std::atomic<bool> cancel{false};
    RunControl control;
    control.cancel = &cancel;
    control.on_progress = [&](const Progress& progress) { cancel = progress.tiles_done >= 3; };
    Sink sink = Sink::hdf5(out);
    sink.discard_unfinished();
    require_error(ErrorKind::interrupted, "interrupted after", [&] { run(plan, sources, sink, control); });
    ::unsetenv("TILESUM_CHECKPOINT_SECONDS");
    CHECK_FALSE(std::filesystem::exists(out + ".tilesum-resume"));
    CHECK_FALSE(std::filesystem::exists(out));
    Sink memory = Sink::memory();
    require_error(ErrorKind::usage, "only an HDF5 sink keeps work", [&] { memory.discard_unfinished(); });
}

TEST_CASE("run counts the bytes its readers deliver; attributes are for HDF5 sinks only", "[api]") {
    const Seed seed;
    Sources sources;
    const Plan plan = make_plan({{"E", seed.expression(sources)}}, small_budget(Strategy::tile));
    Sink sink = Sink::memory();
    const RunStats stats = run(plan, sources, sink);
    const auto inputs =
        static_cast<std::uint64_t>(sizeof(double) * (Seed::n * Seed::n + Seed::q * Seed::n + Seed::q + Seed::n));
    CHECK(stats.bytes_read >= inputs);
    require_error(ErrorKind::usage, "only an HDF5 sink records attributes",
                  [&] { sink.set_attribute("tilesum_script", "E = ..."); });
}

TEST_CASE("make_plan refuses outputs without names, twice the same name, and two inputs of one name", "[api]") {
    std::vector<double> values(4, 1.0);
    Sources sources;
    const Tensor x = sources.memory("x", values.data(), {4});
    require_error(ErrorKind::usage, "at least one output", [&] { make_plan({}); });
    require_error(ErrorKind::usage, "an output needs a name", [&] { make_plan({{"", x}}); });
    require_error(ErrorKind::usage, "two outputs are named 'S'", [&] {
        make_plan({{"S", einsum("i->", {x})}, {"S", einsum("i->", {x})}});
    });
    const Tensor other = Tensor::input("x", {2, 2});
    require_error(ErrorKind::usage, "two different inputs are named 'x'", [&] {
        make_plan({{"S", einsum("i,jk->", {x, other})}});
    });
    require_error(ErrorKind::usage, "input 'x' is bound twice", [&] { sources.memory("x", values.data(), {4}); });
}

TEST_CASE("a diagonal written in C++ reads its base input through the source", "[api]") {
    std::vector<double> values = normal_values(25, 9);
    Sources sources;
    const Tensor A = sources.memory("A", values.data(), {5, 5});
    const Plan plan = make_plan({{"d", einsum("ii->i", {A})}, {"t", einsum("ii->", {A})}});
    Sink sink = Sink::memory();
    run(plan, sources, sink);
    double trace = 0;
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(sink.result("d")[i] == values[i * 6]);
        trace += values[i * 6];
    }
    CHECK(sink.result("t")[0] == Approx(trace).epsilon(1e-14));
}

TEST_CASE("numpy's array functions in C++ are their einsums: matmul, transpose, sum, mean, trace, tensordot", "[api]") {
    const std::vector<double> a = normal_values(12, 10), b = normal_values(20, 11);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {3, 4}), B = sources.memory("B", b.data(), {4, 5});
    const std::vector<std::pair<Tensor, Tensor>> pairs{
        {matmul(A, B), einsum("ij,jk->ik", {A, B})},        {transpose(matmul(A, B)), einsum("ij,jk->ki", {A, B})},
        {sum(A, AxisList{-1}), einsum("ij->i", {A})},       {sum(A), einsum("ij->", {A})},
        {mean(B, AxisList{0}), einsum("jk->k", {B}) / 4.0}, {trace(matmul(transpose(A), A)), einsum("ij,ij->", {A, A})},
        {tensordot(A, B, 1), einsum("ij,jk->ik", {A, B})},  {swapaxes(dot(A, B), 0, 1), einsum("ij,jk->ki", {A, B})}};
    std::vector<Output> outputs;
    for (std::size_t position = 0; position < pairs.size(); ++position) {
        CAPTURE(position);
        REQUIRE(pairs[position].first.shape() == pairs[position].second.shape());
        outputs.push_back(Output{output_name('f', position), pairs[position].first});
        outputs.push_back(Output{output_name('e', position), pairs[position].second});
    }
    const Plan plan = make_plan(outputs, PlanOptions{});
    Sink sink = Sink::memory();
    run(plan, sources, sink);
    for (std::size_t position = 0; position < pairs.size(); ++position) {
        CAPTURE(position);
        require_close(sink.result(output_name('f', position)), sink.result(output_name('e', position)));
    }
    require_error(ErrorKind::semantic, "A", [&] { matmul(A, A); });
}

TEST_CASE("HDF5's chunk caches as io reports them are the planner's defaults, so plans from shapes are a run's plans",
          "[api][chunk_cache]") {
    const plan::ChunkCacheTraits reported = hdf5_chunk_cache_traits();
    REQUIRE(reported.default_bytes == std::size_t{1} << 20);
    REQUIRE(reported == plan::ChunkCacheTraits{});
}

namespace {

// A complex128 .npy file (format version 1, C order) holding `values` of `shape`.
void write_complex_npy(const std::string& path, const std::vector<std::complex<double>>& values, const Shape& shape) {
    std::string dict = "{'descr': '<c16', 'fortran_order': False, 'shape': (";
    for (Extent extent : shape) dict += std::to_string(extent) + ",";
    dict += "), }";
    const std::size_t unpadded = 10 + dict.size() + 1;  // magic, version, length, dict, '\n'
    dict += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
    std::string bytes = "\x93NUMPY\x01";
    bytes += '\0';
    bytes += static_cast<char>(dict.size() & 0xff);
    bytes += static_cast<char>(dict.size() >> 8);
    bytes += dict;
    std::ofstream file(path, std::ios::binary);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.write(reinterpret_cast<const char*>(values.data()),
               static_cast<std::streamsize>(values.size() * sizeof(std::complex<double>)));
}

}  // namespace

TEST_CASE("a complex output arrives in a memory sink as its real and imaginary parts, re(E) and im(E)", "[api]") {
    const std::vector<std::complex<double>> X{{1, 2}, {3, -1}, {0, 4}, {-2, 0.5}, {5, 5}, {1, -3}};
    const std::vector<double> y{2, -1, 0.5};
    const std::string path = testing::fresh_temp_path("test_api", "complex_X.npy");
    write_complex_npy(path, X, {2, 3});
    Sources sources;
    const Tensor E = einsum("ij,j->i", {sources.npy("X", path), sources.memory("y", y.data(), {3})});
    Sink sink = Sink::memory();
    std::vector<double> imaginary(2, -1.0);
    sink.into("im(E)", imaginary.data(), {2});  // a part into caller-owned memory, the other allocated
    run(make_plan({{"E", E}}, small_budget()), sources, sink);
    for (std::size_t row = 0; row < 2; ++row) {
        std::complex<double> expected = 0;
        for (std::size_t column = 0; column < 3; ++column) expected += X[row * 3 + column] * y[column];
        CHECK(sink.result("re(E)")[row] == expected.real());
        CHECK(imaginary[row] == expected.imag());
    }
}
