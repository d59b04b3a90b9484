// mlpace_eval.cpp -- drive the ML-PACE library's evaluators on one structure (benchmark side,
// issue 18: multi-element parity).  Our own code; it links against an ML-PACE build made by
// build.sh (nothing in the tests or CI needs it).
//
// usage: mlpace_eval POT.(yaml|yace) CONFIG.xyz [--frame N]
//
// POT.yaml: pacemaker B-basis, loaded with ACEBBasisSet and evaluated by
//   "B"          ACEBEvaluator (B-basis, per function; pace/extrapolation on gamma steps)
// then converted with ACEBBasisSet::to_ACECTildeBasisSet() and evaluated by
//   "ctilde"     ACECTildeEvaluator (product algorithm over C-tilde functions)
//   "product"    ACERecursiveEvaluator, set_recursive(false), set_basis(.., 1)  = pair_style pace product
//   "recursive"  ACERecursiveEvaluator, set_recursive(true),  set_basis(.., 1)  = pair_style pace (default)
// POT.yace: C-tilde file (as LAMMPS pair_style pace reads it): "ctilde", "product", "recursive".
//
// Neighbours as LAMMPS gives them to pair_style pace: a full list of all atoms and periodic images
// within cutoffmax + 0.1 A (the evaluators apply the per-pair cutoffs themselves), species mapped
// through element_type_mapping (LAMMPS type = species + 1).  Forces: f_i += F_ij, f_j -= F_ij with
// F_ij = neighbours_forces(jj), ghosts folded back onto their owners.
// Prints JSON {library, potential, config, natoms, elements, evaluators: {name: {energy, energies,
// forces} | {error}}}.

#include "ace-evaluator/ace_c_basis.h"
#include "ace-evaluator/ace_evaluator.h"
#include "ace-evaluator/ace_recursive.h"
#include "ace-evaluator/ace_version.h"
#include "ace/ace_b_basis.h"
#include "ace/ace_b_evaluator.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Structure {
  std::vector<std::string> species;
  std::vector<double> x;  // 3n
  bool has_cell = false;
  double cell[3][3] = {{0}};  // rows = lattice vectors
  bool pbc[3] = {false, false, false};
};

std::string header_value(const std::string &h, const std::string &key)
{
  // key=value or key="v a l u e" (case-insensitive key)
  std::string lo = h;
  for (auto &c : lo) c = (char)std::tolower((unsigned char)c);
  std::string k = key + "=";
  size_t p = lo.find(k);
  while (p != std::string::npos && p > 0 && !std::isspace((unsigned char)lo[p - 1])) p = lo.find(k, p + 1);
  if (p == std::string::npos) return "";
  p += k.size();
  if (h[p] == '"') {
    size_t e = h.find('"', p + 1);
    return h.substr(p + 1, e - p - 1);
  }
  size_t e = h.find_first_of(" \t", p);
  return h.substr(p, e == std::string::npos ? std::string::npos : e - p);
}

Structure read_xyz(const std::string &path, int frame)
{
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  for (int f = 0;; ++f) {
    if (!std::getline(in, line)) throw std::runtime_error("frame not found in " + path);
    int n = std::stoi(line);
    std::string head;
    std::getline(in, head);
    if (f < frame) {
      for (int k = 0; k < n; ++k) std::getline(in, line);
      continue;
    }
    Structure s;
    std::string props = header_value(head, "properties");
    if (props.empty()) props = "species:S:1:pos:R:3";
    std::vector<std::string> tok;
    {
      std::stringstream ss(props);
      std::string t;
      while (std::getline(ss, t, ':')) tok.push_back(t);
    }
    int col = 0, cs = -1, cp = -1;
    for (size_t i = 0; i + 2 < tok.size(); i += 3) {
      std::string name = tok[i];
      for (auto &c : name) c = (char)std::tolower((unsigned char)c);
      if (name == "species") cs = col;
      if (name == "pos") cp = col;
      col += std::stoi(tok[i + 2]);
    }
    if (cs < 0 || cp < 0) throw std::runtime_error("Properties need species and pos");
    std::string lat = header_value(head, "lattice");
    if (!lat.empty()) {
      std::stringstream ss(lat);
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) ss >> s.cell[a][b];
      s.has_cell = true;
    }
    std::string pbc = header_value(head, "pbc");
    if (!pbc.empty()) {
      std::stringstream ss(pbc);
      for (int a = 0; a < 3; ++a) {
        std::string v;
        ss >> v;
        s.pbc[a] = (v == "T" || v == "t" || v == "True" || v == "true" || v == "1");
      }
    } else {
      for (int a = 0; a < 3; ++a) s.pbc[a] = s.has_cell;
    }
    for (int k = 0; k < n; ++k) {
      std::getline(in, line);
      std::stringstream ss(line);
      std::vector<std::string> t;
      std::string w;
      while (ss >> w) t.push_back(w);
      s.species.push_back(t.at(cs));
      for (int d = 0; d < 3; ++d) s.x.push_back(std::stod(t.at(cp + d)));
    }
    return s;
  }
}

void inverse3(const double m[3][3], double inv[3][3])
{
  double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
               m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  inv[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det;
  inv[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
  inv[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
  inv[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det;
  inv[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
  inv[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
  inv[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det;
  inv[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
  inv[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
}

// all atoms + periodic images; LAMMPS-like full neighbour lists of the real atoms
struct Neighbours {
  int n = 0;                     // real atoms 0..n-1
  std::vector<double> xs;        // 3 * (n + ghosts)
  std::vector<int> owner;        // atom -> real atom
  std::vector<std::vector<int>> lists;
};

Neighbours build_neighbours(const Structure &s, double rlist)
{
  Neighbours nb;
  nb.n = (int)s.species.size();
  std::vector<std::array<double, 3>> shifts;
  int range[3] = {0, 0, 0};
  if (s.has_cell) {
    double inv[3][3];
    inverse3(s.cell, inv);  // frac = x . inv
    for (int k = 0; k < 3; ++k) {
      if (!s.pbc[k]) continue;
      double norm = std::sqrt(inv[0][k] * inv[0][k] + inv[1][k] * inv[1][k] + inv[2][k] * inv[2][k]);
      double fmin = 1e300, fmax = -1e300;
      for (int i = 0; i < nb.n; ++i) {
        double f = s.x[3 * i] * inv[0][k] + s.x[3 * i + 1] * inv[1][k] + s.x[3 * i + 2] * inv[2][k];
        fmin = std::min(fmin, f), fmax = std::max(fmax, f);
      }
      range[k] = (int)std::ceil(rlist * norm + (fmax - fmin)) + 1;
    }
  }
  shifts.push_back({0, 0, 0});
  for (int a = -range[0]; a <= range[0]; ++a)
    for (int b = -range[1]; b <= range[1]; ++b)
      for (int c = -range[2]; c <= range[2]; ++c) {
        if (!a && !b && !c) continue;
        std::array<double, 3> v{};
        for (int d = 0; d < 3; ++d) v[d] = a * s.cell[0][d] + b * s.cell[1][d] + c * s.cell[2][d];
        shifts.push_back(v);
      }
  for (auto &sh : shifts)
    for (int i = 0; i < nb.n; ++i) {
      for (int d = 0; d < 3; ++d) nb.xs.push_back(s.x[3 * i + d] + sh[d]);
      nb.owner.push_back(i);
    }
  const int ntot = (int)nb.owner.size();
  nb.lists.resize(nb.n);
  const double r2 = rlist * rlist;
  for (int i = 0; i < nb.n; ++i)
    for (int j = 0; j < ntot; ++j) {
      if (j == i) continue;
      double dx = nb.xs[3 * j] - nb.xs[3 * i], dy = nb.xs[3 * j + 1] - nb.xs[3 * i + 1],
             dz = nb.xs[3 * j + 2] - nb.xs[3 * i + 2];
      if (dx * dx + dy * dy + dz * dz < r2) nb.lists[i].push_back(j);
    }
  return nb;
}

struct Result {
  std::string error;
  double energy = 0;
  std::vector<double> energies, forces;
};

Result run(ACEEvaluator &ev, const Neighbours &nb, const std::vector<int> &type)
{
  Result res;
  const int ntot = (int)nb.owner.size();
  std::vector<double *> xp(ntot);
  std::vector<double> xs = nb.xs;
  for (int k = 0; k < ntot; ++k) xp[k] = &xs[3 * k];
  size_t maxj = 0;
  for (auto &l : nb.lists) maxj = std::max(maxj, l.size());
  ev.resize_neighbours_cache((int)maxj);
  res.energies.assign(nb.n, 0.0);
  res.forces.assign(3 * nb.n, 0.0);
  std::vector<SPECIES_TYPE> t(ntot);  // types of all atoms, ghosts included
  for (int k = 0; k < ntot; ++k) t[k] = (SPECIES_TYPE)type[nb.owner[k]];
  try {
    for (int i = 0; i < nb.n; ++i) {
      const auto &jl = nb.lists[i];
      ev.compute_atom(i, xp.data(), t.data(), (int)jl.size(), jl.data());
      res.energies[i] = ev.e_atom;
      res.energy += ev.e_atom;
      for (size_t jj = 0; jj < jl.size(); ++jj) {
        int j = nb.owner[jl[jj]];
        for (int d = 0; d < 3; ++d) {
          double fij = ev.neighbours_forces((int)jj, d);
          res.forces[3 * i + d] += fij;
          res.forces[3 * j + d] -= fij;
        }
      }
    }
  } catch (std::exception &e) {
    res.error = e.what();
  }
  return res;
}

void print_result(const std::string &name, const Result &r, bool last)
{
  std::printf("  \"%s\": {", name.c_str());
  if (!r.error.empty()) {
    std::string e = r.error;
    for (auto &c : e)
      if (c == '"' || c == '\n') c = ' ';
    std::printf("\"error\": \"%s\"}%s\n", e.c_str(), last ? "" : ",");
    return;
  }
  std::printf("\"energy\": %.17g,\n   \"energies\": [", r.energy);
  for (size_t i = 0; i < r.energies.size(); ++i) std::printf("%s%.17g", i ? ", " : "", r.energies[i]);
  std::printf("],\n   \"forces\": [");
  for (size_t i = 0; i < r.energies.size(); ++i)
    std::printf("%s[%.17g, %.17g, %.17g]", i ? ", " : "", r.forces[3 * i], r.forces[3 * i + 1], r.forces[3 * i + 2]);
  std::printf("]}%s\n", last ? "" : ",");
}

template <class Basis>
std::vector<int> map_types(const Basis &basis, const Structure &s, ACEEvaluator &ev)
{
  // LAMMPS-like: type t = species + 1, element_type_mapping(t) = species index
  std::vector<int> type;
  ev.element_type_mapping.init(basis.nelements + 1);
  for (int mu = 0; mu < basis.nelements; ++mu) ev.element_type_mapping(mu + 1) = mu;
  for (auto &el : s.species) {
    int mu = -1;
    for (int k = 0; k < basis.nelements; ++k)
      if (basis.elements_name[k] == el) mu = k;
    if (mu < 0) throw std::runtime_error("element " + el + " not in the potential");
    type.push_back(mu + 1);
  }
  return type;
}

bool ends_with(const std::string &s, const std::string &e)
{
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

}  // namespace

int main(int argc, char **argv)
{
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s POT.(yaml|yace) CONFIG.xyz [--frame N]\n", argv[0]);
    return 2;
  }
  // ML-PACE writes notes (deprecation warnings, ...) to std::cout: send them to stderr, the JSON
  // goes to stdout through printf
  std::cout.rdbuf(std::cerr.rdbuf());
  std::string pot = argv[1], cfg = argv[2];
  int frame = 0;
  for (int a = 3; a + 1 < argc; ++a)
    if (std::string(argv[a]) == "--frame") frame = std::atoi(argv[a + 1]);
  try {
    Structure s = read_xyz(cfg, frame);
    // every evaluator gets its own C-tilde basis: ACERecursiveEvaluator::set_basis rewrites the
    // basis functions' ctildes in place (its half-basis merge), so a shared basis would carry one
    // evaluator's edits into the next
    std::unique_ptr<ACEBBasisSet> bbasis;
    const bool is_yaml = ends_with(pot, ".yaml") || ends_with(pot, ".yml");
    if (is_yaml) bbasis.reset(new ACEBBasisSet(pot));
    auto fresh_ctilde = [&]() {
      return std::unique_ptr<ACECTildeBasisSet>(is_yaml ? new ACECTildeBasisSet(bbasis->to_ACECTildeBasisSet())
                                                        : new ACECTildeBasisSet(pot));
    };
    std::unique_ptr<ACECTildeBasisSet> ctilde = fresh_ctilde();
    Neighbours nb = build_neighbours(s, ctilde->cutoffmax + 0.1);
    std::printf("{\"library\": \"ML-PACE %d.%d.%d\", \"potential\": \"%s\", \"config\": \"%s\", \"natoms\": %d,\n",
                VERSION_YEAR, VERSION_MONTH, VERSION_DAY, pot.c_str(), cfg.c_str(), nb.n);
    std::printf(" \"elements\": [");
    for (int k = 0; k < ctilde->nelements; ++k) std::printf("%s\"%s\"", k ? ", " : "", ctilde->elements_name[k].c_str());
    std::printf("],\n \"ndensity\": [");
    for (int k = 0; k < ctilde->nelements; ++k)
      std::printf("%s%d", k ? ", " : "", (int)ctilde->map_embedding_specifications[k].ndensity);
    std::printf("], \"ndensitymax\": %d,\n \"evaluators\": {\n", (int)ctilde->ndensitymax);
    if (bbasis) {
      ACEBEvaluator ev;
      ev.set_basis(*bbasis);
      auto type = map_types(*bbasis, s, ev);
      print_result("B", run(ev, nb, type), false);
    }
    {
      ACECTildeEvaluator ev;
      ev.set_basis(*ctilde);
      auto type = map_types(*ctilde, s, ev);
      print_result("ctilde", run(ev, nb, type), false);
    }
    {
      auto basis = fresh_ctilde();
      ACERecursiveEvaluator ev;
      ev.set_recursive(false);
      ev.set_basis(*basis, 1);
      auto type = map_types(*basis, s, ev);
      print_result("product", run(ev, nb, type), false);
    }
    {
      auto basis = fresh_ctilde();
      ACERecursiveEvaluator ev;
      ev.set_recursive(true);
      ev.set_basis(*basis, 1);
      auto type = map_types(*basis, s, ev);
      print_result("recursive", run(ev, nb, type), true);
    }
    std::printf(" }\n}\n");
  } catch (std::exception &e) {
    std::fprintf(stderr, "mlpace_eval: %s\n", e.what());
    return 1;
  }
  return 0;
}
