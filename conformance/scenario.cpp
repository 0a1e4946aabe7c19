#include "conformance/scenario.h"

#include <botan/base64.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "conformance/check.h"
#include "conformance/local_client.h"
#include "conformance/vector_type.h"
#include "ref/group.h"
#include "ref/primitives.h"

namespace mlsref::conformance {

namespace fs = std::filesystem;

namespace {

// A script that does not say what the action needs (a bad config, not a
// failure of the clients).
class ScriptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Bytes text_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::string printable(const Bytes& b) {
  return b.size() <= 16 ? to_hex(b) : to_hex(ByteView(b).first(16)) + "...";
}

// A call of a client that failed, named by actor, client and RPC:
// "bob on 127.0.0.1:50051, HandleCommit: INVALID_ARGUMENT: protocol error
// (RFC 9420 §12.2): ...". An unsupported one makes the run unsupported.
class ClientFailure : public std::runtime_error {
 public:
  ClientFailure(const std::string& what, bool unsupported)
      : std::runtime_error(what), unsupported_(unsupported) {}
  bool unsupported() const { return unsupported_; }

 private:
  bool unsupported_;
};

// The client that plays one actor, seen through the RPC names: every
// exception of a call becomes a ClientFailure that says who failed where.
class TracedClient : public Client {
 public:
  TracedClient(std::string who, std::string label, std::unique_ptr<Client> inner)
      : who_(std::move(who)), label_(std::move(label)), inner_(std::move(inner)) {}

  std::string name() override { return call("Name", [&] { return inner_->name(); }); }
  std::vector<uint16_t> supported_ciphersuites() override {
    return call("SupportedCiphersuites", [&] { return inner_->supported_ciphersuites(); });
  }
  uint32_t create_group(const Bytes& g, uint16_t s, bool e, const Bytes& i) override {
    return call("CreateGroup", [&] { return inner_->create_group(g, s, e, i); });
  }
  KeyPackageResult create_key_package(uint16_t s, const Bytes& i) override {
    return call("CreateKeyPackage", [&] { return inner_->create_key_package(s, i); });
  }
  JoinResult join_group(uint32_t t, const Bytes& w, bool e, const Bytes& i,
                        const Bytes& r) override {
    return call("JoinGroup", [&] { return inner_->join_group(t, w, e, i, r); });
  }
  ExternalJoinResult external_join(const Bytes& g, const Bytes& r, bool e, const Bytes& i, bool p,
                                   const std::vector<std::pair<Bytes, Bytes>>& k) override {
    return call("ExternalJoin", [&] { return inner_->external_join(g, r, e, i, p, k); });
  }
  GroupInfoResult group_info(uint32_t s, bool e) override {
    return call("GroupInfo", [&] { return inner_->group_info(s, e); });
  }
  Bytes state_auth(uint32_t s) override {
    return call("StateAuth", [&] { return inner_->state_auth(s); });
  }
  Bytes export_secret(uint32_t s, const std::string& l, const Bytes& c, uint32_t n) override {
    return call("Export", [&] { return inner_->export_secret(s, l, c, n); });
  }
  Bytes protect(uint32_t s, const Bytes& a, const Bytes& p) override {
    return call("Protect", [&] { return inner_->protect(s, a, p); });
  }
  Unprotected unprotect(uint32_t s, const Bytes& c) override {
    return call("Unprotect", [&] { return inner_->unprotect(s, c); });
  }
  void store_psk(uint32_t s, const Bytes& i, const Bytes& k) override {
    call("StorePSK", [&] { inner_->store_psk(s, i, k); });
  }
  Bytes add_proposal(uint32_t s, const Bytes& k) override {
    return call("AddProposal", [&] { return inner_->add_proposal(s, k); });
  }
  Bytes update_proposal(uint32_t s) override {
    return call("UpdateProposal", [&] { return inner_->update_proposal(s); });
  }
  Bytes remove_proposal(uint32_t s, const Bytes& r) override {
    return call("RemoveProposal", [&] { return inner_->remove_proposal(s, r); });
  }
  Bytes external_psk_proposal(uint32_t s, const Bytes& i) override {
    return call("ExternalPSKProposal", [&] { return inner_->external_psk_proposal(s, i); });
  }
  Bytes resumption_psk_proposal(uint32_t s, uint64_t e) override {
    return call("ResumptionPSKProposal", [&] { return inner_->resumption_psk_proposal(s, e); });
  }
  Bytes group_context_extensions_proposal(uint32_t s, const std::vector<Extension>& x) override {
    return call("GroupContextExtensionsProposal",
                [&] { return inner_->group_context_extensions_proposal(s, x); });
  }
  CommitResult commit(uint32_t s, const std::vector<Bytes>& r,
                      const std::vector<ProposalDescription>& v, bool f, bool e) override {
    return call("Commit", [&] { return inner_->commit(s, r, v, f, e); });
  }
  HandleResult handle_commit(uint32_t s, const std::vector<Bytes>& p, const Bytes& c) override {
    return call("HandleCommit", [&] { return inner_->handle_commit(s, p, c); });
  }
  HandleResult handle_pending_commit(uint32_t s) override {
    return call("HandlePendingCommit", [&] { return inner_->handle_pending_commit(s); });
  }
  NewMemberProposalResult new_member_add_proposal(const Bytes& g, const Bytes& i) override {
    return call("NewMemberAddProposal", [&] { return inner_->new_member_add_proposal(g, i); });
  }
  ExternalSignerResult create_external_signer(uint16_t s, const Bytes& i) override {
    return call("CreateExternalSigner", [&] { return inner_->create_external_signer(s, i); });
  }
  Bytes add_external_signer(uint32_t s, const Bytes& e) override {
    return call("AddExternalSigner", [&] { return inner_->add_external_signer(s, e); });
  }
  Bytes external_signer_proposal(uint32_t s, const Bytes& g, const Bytes& r,
                                 const ProposalDescription& d) override {
    return call("ExternalSignerProposal",
                [&] { return inner_->external_signer_proposal(s, g, r, d); });
  }
  Bytes reinit_proposal(uint32_t s, uint16_t c, const Bytes& g,
                        const std::vector<Extension>& e) override {
    return call("ReInitProposal", [&] { return inner_->reinit_proposal(s, c, g, e); });
  }
  CommitResult reinit_commit(uint32_t s, const std::vector<Bytes>& r,
                             const std::vector<ProposalDescription>& v, bool f,
                             bool t) override {
    return call("ReInitCommit", [&] { return inner_->reinit_commit(s, r, v, f, t); });
  }
  ReInitResult handle_pending_reinit_commit(uint32_t s) override {
    return call("HandlePendingReInitCommit",
                [&] { return inner_->handle_pending_reinit_commit(s); });
  }
  ReInitResult handle_reinit_commit(uint32_t s, const std::vector<Bytes>& p,
                                    const Bytes& c) override {
    return call("HandleReInitCommit", [&] { return inner_->handle_reinit_commit(s, p, c); });
  }
  SubgroupResult reinit_welcome(uint32_t r, const std::vector<Bytes>& k, bool f,
                                bool t) override {
    return call("ReInitWelcome", [&] { return inner_->reinit_welcome(r, k, f, t); });
  }
  JoinResult handle_reinit_welcome(uint32_t r, const Bytes& w, const Bytes& t) override {
    return call("HandleReInitWelcome", [&] { return inner_->handle_reinit_welcome(r, w, t); });
  }
  SubgroupResult create_branch(uint32_t s, const Bytes& g, const std::vector<Extension>& e,
                               const std::vector<Bytes>& k, bool f, bool t) override {
    return call("CreateBranch", [&] { return inner_->create_branch(s, g, e, k, f, t); });
  }
  JoinResult handle_branch(uint32_t s, uint32_t x, const Bytes& w, const Bytes& t) override {
    return call("HandleBranch", [&] { return inner_->handle_branch(s, x, w, t); });
  }
  CommitResult self_update(uint32_t s, const std::vector<Bytes>& p) override {
    return call("selfUpdate", [&] { return inner_->self_update(s, p); });
  }
  CommitResult self_update_with_new_signer(uint32_t s, const std::vector<Bytes>& p) override {
    return call("selfUpdateWithNewSigner",
                [&] { return inner_->self_update_with_new_signer(s, p); });
  }
  CommitResult commit_to_pending_proposals(uint32_t s, const std::vector<Bytes>& p) override {
    return call("commitToPendingProposals",
                [&] { return inner_->commit_to_pending_proposals(s, p); });
  }
  std::optional<View> view(uint32_t s) override {
    return call("(view)", [&] { return inner_->view(s); });
  }
  const Group* local_group(uint32_t s) override { return inner_->local_group(s); }
  const Group* local_reinit_old_group(uint32_t r) override {
    return inner_->local_reinit_old_group(r);
  }
  std::optional<KeyPackageResult> local_reinit_key_package(uint32_t r) override {
    return inner_->local_reinit_key_package(r);
  }
  void free(uint32_t s) override {
    call("Free", [&] { inner_->free(s); });
  }

 private:
  template <class F>
  auto call(const char* rpc, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const Error& e) {
      throw ClientFailure(prefix(rpc) + strip(rpc, e.what()),
                          e.kind() == ErrorKind::unsupported);
    } catch (const std::exception& e) {
      throw ClientFailure(prefix(rpc) + strip(rpc, e.what()), false);
    }
  }
  std::string prefix(const char* rpc) const { return who_ + ", " + rpc + ": "; }
  // A remote client's message starts "HOST:PORT Rpc: ", which the prefix says.
  std::string strip(const char* rpc, const std::string& what) const {
    std::string said = label_ + " " + rpc + ": ";
    return !label_.empty() && what.rfind(said, 0) == 0 ? what.substr(said.size()) : what;
  }

  std::string who_, label_;
  std::unique_ptr<Client> inner_;
};

// Who plays each actor of one run.
struct Cast {
  std::map<std::string, const ClientSpec*> actors;
  const ClientSpec* others = nullptr;  // everyone else (the watcher)
  bool labeled = false;                // name clients in messages

  const ClientSpec& of(const std::string& actor) const {
    auto it = actors.find(actor);
    return it == actors.end() ? *others : *it->second;
  }
  std::string named(const std::string& actor) const {
    return labeled ? actor + " on " + of(actor).label : actor;
  }
};

// One run of one script: a suite, a handshake mode, a client per actor.
class Run {
 public:
  Run(const YAML::Node& steps, uint16_t suite, bool encrypt, const Cast& cast,
      Botan::RandomNumberGenerator& rng, bool watch)
      : steps_(steps), suite_(suite), encrypt_(encrypt), cast_(cast), rng_(&rng), watch_(watch) {
    outputs_.resize(steps.size());
  }

  // The watcher's passive-client cases (with --emit-passive): one per group
  // it followed (the first it joined, then the new group of each reinit or
  // branch of it, joined with the old group's resumption PSK).
  std::vector<json> passive_cases() const {
    std::vector<json> out = finished_cases_;
    if (auto c = passive_case()) {
      out.push_back(std::move(*c));
    }
    return out;
  }

  // The watcher's current case, once it joined.
  std::optional<json> passive_case() const {
    if (!watcher_joined_) {
      return std::nullopt;
    }
    json c = watcher_case_;
    json psks = json::array();
    for (const auto& [id, secret] : psks_) {
      psks.push_back(json{{"psk_id", to_hex(id)}, {"psk", to_hex(secret)}});
    }
    c["external_psks"] = psks;
    c["epochs"] = epochs_;
    return c;
  }

  // Runs every step; throws on the first failure, with the step in `at_`.
  void run() {
    for (size_t i = 0; i < steps_.size(); ++i) {
      at_ = i;
      const YAML::Node& step = steps_[i];
      if (!step.IsMap() || !step["action"]) {
        throw ScriptError("step " + std::to_string(i) + " is not an object with an action");
      }
      action_ = step["action"].as<std::string>();
      actor_ = step["actor"] ? step["actor"].as<std::string>() : "";
      run_step(i, step);
      check_agreement();
    }
  }

  std::string where() const {
    return "step " + std::to_string(at_) + " (" + action_ + (actor_.empty() ? "" : " by " + actor_) +
           ")";
  }

 private:
  Client& client(const std::string& actor) {
    if (actor.empty()) {
      throw ScriptError("the step names no actor");
    }
    auto it = clients_.find(actor);
    if (it == clients_.end()) {
      const ClientSpec& spec = cast_.of(actor);
      it = clients_
               .emplace(actor, std::make_unique<TracedClient>(cast_.named(actor), spec.label,
                                                              spec.make(actor, *rng_)))
               .first;
    }
    return *it->second;
  }
  uint32_t state(const std::string& actor) {
    auto it = states_.find(actor);
    if (it == states_.end()) {
      throw ScriptError(actor + " is in no group yet");
    }
    return it->second;
  }
  const Bytes& output(const YAML::Node& index_node, const std::string& key) {
    size_t index = index_node.as<size_t>();
    if (index >= outputs_.size() || !outputs_[index].count(key)) {
      throw ScriptError("step " + std::to_string(index) + " has no output '" + key + "'");
    }
    return outputs_[index].at(key);
  }
  void store(size_t i, const std::string& key, Bytes value) { outputs_[i][key] = std::move(value); }
  // A step's parameter by name, matched without regard to case as the
  // upstream runner's JSON decoding does ("changeCiphersuite" in its
  // reinit.json sets changeCipherSuite).
  static YAML::Node param(const YAML::Node& step, const char* name) {
    if (step[name]) {
      return step[name];
    }
    std::string want(name);
    for (const auto& kv : step) {
      std::string key = kv.first.as<std::string>();
      if (key.size() == want.size() &&
          std::equal(key.begin(), key.end(), want.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return kv.second;
      }
    }
    return step[name];  // absent: an undefined node
  }
  static bool flag(const YAML::Node& step, const char* name) {
    YAML::Node v = param(step, name);
    return v && v.as<bool>();
  }
  static std::vector<std::string> names(const YAML::Node& step, const char* name) {
    std::vector<std::string> out;
    if (step[name]) {
      for (const auto& n : step[name]) {
        out.push_back(n.as<std::string>());
      }
    }
    return out;
  }
  static std::vector<Extension> extensions(const YAML::Node& list) {
    std::vector<Extension> out;
    if (list) {
      for (const auto& e : list) {
        Extension x;
        x.extension_type = e["extension_type"].as<uint16_t>();
        if (e["extension_data"]) {
          auto data = Botan::base64_decode(e["extension_data"].as<std::string>());
          x.extension_data.assign(data.begin(), data.end());
        }
        out.push_back(std::move(x));
      }
    }
    return out;
  }
  void expect_same(const Bytes& want, const Bytes& got, const std::string& who,
                   const std::string& what) {
    if (want != got) {
      throw std::runtime_error((clients_.count(who) ? cast_.named(who) : who) +
                               " disagrees on the " + what + ": " + printable(got) +
                               ", expected " + printable(want));
    }
  }

  ProposalDescription description(const YAML::Node& d) {
    ProposalDescription p;
    p.type = d["proposalType"].as<std::string>();
    if (p.type == "add") {
      p.key_package = output(d["keyPackage"], "key_package");
    } else if (p.type == "remove") {
      p.removed_id = text_bytes(d["removed"].as<std::string>());
    } else if (p.type == "externalPSK") {
      p.psk_id = output(d["pskID"], "psk_id");
    } else if (p.type == "resumptionPSK") {
      p.epoch_id = d["epochID"].as<uint64_t>();
    } else if (p.type == "groupContextExtensions") {
      p.extensions = extensions(d["extensions"]);
    } else if (p.type == "reinit") {
      p.extensions = extensions(d["extensions"]);
      if (flag(d, "changeCipherSuite")) {
        change_suite();
      }
      p.cipher_suite = suite_;
      p.group_id = output(YAML::Node(0), "group_id");
      if (flag(d, "changeGroupID")) {
        p.group_id.push_back('+');
        p.group_id.push_back('+');
      }
    } else {
      throw ScriptError("unknown proposal type '" + p.type + "'");
    }
    return p;
  }
  std::vector<Bytes> proposals(const YAML::Node& step) {
    std::vector<Bytes> out;
    if (step["byReference"]) {
      for (const auto& i : step["byReference"]) {
        out.push_back(output(i, "proposal"));
      }
    }
    return out;
  }

  // The actors a commit step removes (by value, or by reference to a
  // removeProposal step): their clients cannot show the runner that they
  // left, so the runner keeps track.
  std::set<std::string> removed_by(const YAML::Node& step) {
    std::set<std::string> out;
    if (step["byValue"]) {
      for (const auto& d : step["byValue"]) {
        if (d["proposalType"] && d["proposalType"].as<std::string>() == "remove" && d["removed"]) {
          out.insert(d["removed"].as<std::string>());
        }
      }
    }
    if (step["byReference"]) {
      for (const auto& i : step["byReference"]) {
        size_t index = i.as<size_t>();
        if (index < steps_.size() && steps_[index]["action"] &&
            steps_[index]["action"].as<std::string>() == "removeProposal" &&
            steps_[index]["removed"]) {
          out.insert(steps_[index]["removed"].as<std::string>());
        }
        // An external sender's Remove (externalSignerProposal).
        if (index < steps_.size() && steps_[index]["action"] &&
            steps_[index]["action"].as<std::string>() == "externalSignerProposal") {
          const YAML::Node d = steps_[index]["description"];
          if (d && d["proposalType"] && d["proposalType"].as<std::string>() == "remove" &&
              d["removed"]) {
            out.insert(d["removed"].as<std::string>());
          }
        }
      }
    }
    return out;
  }

  // A commit, applied by the committer and then by `members` (all must reach
  // the committer's epoch authenticator), then the joiners.
  void commit_and_apply(size_t i, const YAML::Node& step, const Client::CommitResult& c,
                        const std::vector<Bytes>& by_ref) {
    store(i, "commit", c.commit);
    store(i, "welcome", c.welcome);
    if (!c.ratchet_tree.empty()) {
      store(i, "ratchet_tree", c.ratchet_tree);
    }
    auto done = client(actor_).handle_pending_commit(state(actor_));
    states_[actor_] = done.state_id;
    store(i, "epoch_authenticator", done.epoch_authenticator);
    record_epoch(by_ref, c.commit, done.epoch_authenticator);
    const auto& gone = removes_[i];
    for (const auto& m : names(step, "members")) {
      auto r = client(m).handle_commit(state(m), by_ref, c.commit);
      states_[m] = r.state_id;
      if (gone.count(m)) {
        removed_.insert(m);
        continue;  // removed by this commit: it has no part in the new epoch
      }
      auto v = client(m).view(r.state_id);
      if (v && !v->active) {
        continue;  // removed by this commit: it has no part in the new epoch
      }
      expect_same(done.epoch_authenticator, r.epoch_authenticator, m, "epoch authenticator");
    }
    for (const auto& j : names(step, "joiners")) {
      auto tx = transactions_.find(j);
      if (tx == transactions_.end()) {
        throw ScriptError("joiner " + j + " has no key package");
      }
      auto r = client(j).join_group(tx->second, c.welcome, encrypt_, text_bytes(j), c.ratchet_tree);
      states_[j] = r.state_id;
      removed_.erase(j);
      expect_same(done.epoch_authenticator, r.epoch_authenticator, j, "epoch authenticator");
      if (j == kWatcher) {
        watcher_joined_ = true;
        watcher_group_ = group_of(c.commit);
        watcher_case_["welcome"] = to_hex(c.welcome);
        watcher_case_["ratchet_tree"] = c.ratchet_tree.empty() ? json() : json(to_hex(c.ratchet_tree));
        watcher_case_["initial_epoch_authenticator"] = to_hex(r.epoch_authenticator);
      }
    }
  }

  // The watcher moves to a reinitialized or branched group (`next`: its new
  // case so far, `group_id`: the new group's): the case of the old group is
  // done.
  void restart_watcher(json next, const Bytes& group_id) {
    if (auto c = passive_case()) {
      finished_cases_.push_back(std::move(*c));
    }
    watcher_case_ = std::move(next);
    epochs_ = json::array();
    watcher_group_ = group_id;
  }

  // With --emit-passive, when the watcher is in `old`'s group (a group of
  // one of our own clients): a KeyPackage of the watcher's for the new group
  // (added to `key_packages`) and the start of its case there, with what it
  // knows of the old group (`resumed_from`, an mlsref extension of the
  // passive-client format: conformance/vectors/passive_client.cpp).
  //
  // A reinit (`reinit_of`: the old group's ID) keeps every member (RFC 9420
  // §12.4.1, R12.4.1-16), the watcher among them, so the watcher's KeyPackage
  // goes in even when none of our clients holds the old group (remote
  // clients); its case then ends there, since what it knows of the old
  // group is out of sight.
  std::optional<json> follow_into_new_group(const Group* old, bool with_members,
                                            std::vector<Bytes>& key_packages,
                                            const std::optional<Bytes>& reinit_of = {}) {
    if (!watch_ || !watcher_joined_) {
      return std::nullopt;
    }
    const bool in_old_group = old != nullptr ? old->group_id() == watcher_group_
                                             : reinit_of && *reinit_of == watcher_group_;
    if (!in_old_group) {
      return std::nullopt;
    }
    auto kp = client(kWatcher).create_key_package(suite_, text_bytes(kWatcher));
    key_packages.push_back(kp.key_package);
    if (old == nullptr) {
      return std::nullopt;
    }
    const GroupState& s = old->state();
    json from = json{{"group_id", to_hex(old->group_id())},
                     {"cipher_suite", old->suite().id()},
                     {"epoch", old->epoch()},
                     {"resumption_psk", to_hex(s.secrets.resumption_psk.view())}};
    if (s.reinit) {
      from["reinit"] = to_hex(encode(*s.reinit));
    }
    if (with_members) {
      json members = json::array();
      for (uint32_t l = 0; l < s.tree.leaf_count().value; ++l) {
        if (s.tree.has_leaf(LeafIndex(l))) {
          members.push_back(to_hex(encode(s.tree.leaf(LeafIndex(l)).credential)));
        }
      }
      from["members"] = members;
    }
    return json{{"cipher_suite", suite_},
                {"key_package", to_hex(kp.key_package)},
                {"signature_priv", to_hex(kp.signature_priv)},
                {"encryption_priv", to_hex(kp.encryption_priv)},
                {"init_priv", to_hex(kp.init_priv)},
                {"resumed_from", from}};
  }

  // The watcher's new case gets the Welcome that added it.
  void watcher_welcomed(std::optional<json> next, const Bytes& group_id, const Bytes& welcome,
                        const Bytes& ratchet_tree, const Bytes& epoch_authenticator) {
    if (!next) {
      return;
    }
    (*next)["welcome"] = to_hex(welcome);
    (*next)["ratchet_tree"] = ratchet_tree.empty() ? json() : json(to_hex(ratchet_tree));
    (*next)["initial_epoch_authenticator"] = to_hex(epoch_authenticator);
    restart_watcher(std::move(*next), group_id);
  }

  // A commit the committer merged: one epoch of the watcher's case.
  void record_epoch(const std::vector<Bytes>& by_ref, const Bytes& commit, const Bytes& auth) {
    if (!watcher_joined_ || group_of(commit) != watcher_group_) {
      return;  // the watcher follows the group it joined, not a reinit or a branch
    }
    json proposals = json::array();
    for (const auto& p : by_ref) {
      proposals.push_back(to_hex(p));
    }
    epochs_.push_back(json{{"proposals", proposals}, {"commit", to_hex(commit)},
                           {"epoch_authenticator", to_hex(auth)}});
  }

  void run_step(size_t i, const YAML::Node& step) {
    const std::string& a = action_;
    if (a == "createGroup") {
      Bytes group_id = random_bytes(*rng_, 16);
      states_[actor_] = client(actor_).create_group(group_id, suite_, encrypt_, text_bytes(actor_));
      store(i, "group_id", group_id);
      auto members = names(step, "members");
      if (watch_ && !watcher_added_) {
        members.push_back(kWatcher);
        watcher_added_ = true;
      }
      if (members.empty()) {
        return;
      }
      std::vector<ProposalDescription> adds;
      for (const auto& m : members) {
        auto kp = client(m).create_key_package(suite_, text_bytes(m));
        transactions_[m] = kp.transaction_id;
        adds.push_back(ProposalDescription{"add", kp.key_package});
        if (m == kWatcher) {
          watcher_case_ = json{{"cipher_suite", suite_},
                               {"key_package", to_hex(kp.key_package)},
                               {"signature_priv", to_hex(kp.signature_priv)},
                               {"encryption_priv", to_hex(kp.encryption_priv)},
                               {"init_priv", to_hex(kp.init_priv)}};
        }
      }
      auto c = client(actor_).commit(state(actor_), {}, adds, false, false);
      YAML::Node joiners;
      for (const auto& m : members) {
        joiners["joiners"].push_back(m);
      }
      commit_and_apply(i, joiners, c, {});
    } else if (a == "createKeyPackage") {
      auto kp = client(actor_).create_key_package(suite_, text_bytes(actor_));
      transactions_[actor_] = kp.transaction_id;
      store(i, "key_package", kp.key_package);
    } else if (a == "joinGroup") {
      auto tx = transactions_.find(actor_);
      if (tx == transactions_.end()) {
        throw ScriptError(actor_ + " has no key package");
      }
      size_t w = step["welcome"].as<size_t>();
      Bytes tree = w < outputs_.size() && outputs_[w].count("ratchet_tree")
                       ? outputs_[w].at("ratchet_tree")
                       : Bytes{};
      auto r = client(actor_).join_group(tx->second, output(step["welcome"], "welcome"), encrypt_,
                                         text_bytes(actor_), tree);
      states_[actor_] = r.state_id;
      removed_.erase(actor_);
      if (outputs_[w].count("epoch_authenticator")) {
        expect_same(outputs_[w].at("epoch_authenticator"), r.epoch_authenticator, actor_,
                    "epoch authenticator");
      }
    } else if (a == "externalJoin") {
      auto gi = client(actor_).group_info(state(actor_), flag(step, "externalTree"));
      store(i, "group_info", gi.group_info);
      store(i, "ratchet_tree", gi.ratchet_tree);
      std::vector<std::pair<Bytes, Bytes>> psks;
      if (step["psks"]) {
        for (const auto& p : step["psks"]) {
          psks.emplace_back(output(p, "psk_id"), output(p, "psk_secret"));
        }
      }
      std::string joiner = step["joiner"].as<std::string>();
      auto r = client(joiner).external_join(gi.group_info, gi.ratchet_tree, encrypt_,
                                            text_bytes(joiner), flag(step, "removePrior"), psks);
      states_[joiner] = r.state_id;
      store(i, "commit", r.commit);
      store(i, "epoch_authenticator", r.epoch_authenticator);
      record_epoch({}, r.commit, r.epoch_authenticator);
      auto members = names(step, "members");
      members.push_back(actor_);
      for (const auto& m : members) {
        auto h = client(m).handle_commit(state(m), {}, r.commit);
        states_[m] = h.state_id;
        expect_same(r.epoch_authenticator, h.epoch_authenticator, m, "epoch authenticator");
      }
    } else if (a == "installExternalPSK") {
      Bytes id = random_bytes(*rng_, 32), secret = random_bytes(*rng_, 32);
      store(i, "psk_id", id);
      store(i, "psk_secret", secret);
      psks_.emplace_back(id, secret);
      if (watcher_added_ && !watcher_joined_ && transactions_.count(kWatcher)) {
        client(kWatcher).store_psk(transactions_.at(kWatcher), id, secret);
      }
      for (const auto& c : names(step, "clients")) {
        uint32_t target = states_.count(c)         ? states_.at(c)
                          : transactions_.count(c) ? transactions_.at(c)
                                                   : 0;
        client(c).store_psk(target, id, secret);
      }
    } else if (a == "groupInfo") {
      auto gi = client(actor_).group_info(state(actor_), flag(step, "externalTree"));
      store(i, "group_info", gi.group_info);
      store(i, "ratchet_tree", gi.ratchet_tree);
    } else if (a == "addProposal") {
      store(i, "proposal",
            client(actor_).add_proposal(state(actor_), output(step["keyPackage"], "key_package")));
    } else if (a == "updateProposal") {
      store(i, "proposal", client(actor_).update_proposal(state(actor_)));
    } else if (a == "removeProposal") {
      store(i, "proposal",
            client(actor_).remove_proposal(state(actor_),
                                           text_bytes(step["removed"].as<std::string>())));
    } else if (a == "externalPSKProposal") {
      store(i, "proposal",
            client(actor_).external_psk_proposal(state(actor_), output(step["pskID"], "psk_id")));
    } else if (a == "resumptionPSKProposal") {
      store(i, "proposal",
            client(actor_).resumption_psk_proposal(state(actor_), step["epochID"].as<uint64_t>()));
    } else if (a == "groupContextExtensionsProposal") {
      store(i, "proposal", client(actor_).group_context_extensions_proposal(
                               state(actor_), extensions(step["extensions"])));
    } else if (a == "commit" || a == "fullCommit") {
      std::vector<ProposalDescription> by_value;
      if (step["byValue"]) {
        for (const auto& d : step["byValue"]) {
          by_value.push_back(description(d));
        }
      }
      auto by_ref = proposals(step);
      removes_[i] = removed_by(step);
      auto c = client(actor_).commit(state(actor_), by_ref, by_value, flag(step, "force_path"),
                                     flag(step, "external_tree"));
      if (a == "fullCommit") {
        commit_and_apply(i, step, c, by_ref);
      } else {
        store(i, "commit", c.commit);
        store(i, "welcome", c.welcome);
        if (!c.ratchet_tree.empty()) {
          store(i, "ratchet_tree", c.ratchet_tree);
        }
        pending_[actor_] = {by_ref, c.commit};
      }
    } else if (a == "selfUpdate" || a == "selfUpdateWithNewSigner" ||
               a == "commitToPendingProposals") {
      // Ours: the key-update API, then every member in `members` applies it.
      // The committer receives the step's byReference proposals first, so
      // that its commit covers them (as for commit and fullCommit).
      Client& c = client(actor_);
      removes_[i] = removed_by(step);
      auto by_ref = proposals(step);
      auto r = a == "selfUpdate" ? c.self_update(state(actor_), by_ref)
               : a == "selfUpdateWithNewSigner"
                   ? c.self_update_with_new_signer(state(actor_), by_ref)
                   : c.commit_to_pending_proposals(state(actor_), by_ref);
      commit_and_apply(i, step, r, by_ref);
    } else if (a == "handleCommit") {
      auto r = client(actor_).handle_commit(state(actor_), proposals(step),
                                            output(step["commit"], "commit"));
      states_[actor_] = r.state_id;
      size_t ci = step["commit"].as<size_t>();
      if (removes_[ci].count(actor_)) {
        removed_.insert(actor_);
      } else if (outputs_[ci].count("epoch_authenticator")) {
        expect_same(outputs_[ci].at("epoch_authenticator"), r.epoch_authenticator, actor_,
                    "epoch authenticator");
      }
    } else if (a == "handlePendingCommit") {
      auto r = client(actor_).handle_pending_commit(state(actor_));
      states_[actor_] = r.state_id;
      if (auto p = pending_.find(actor_); p != pending_.end()) {
        record_epoch(p->second.first, p->second.second, r.epoch_authenticator);
        pending_.erase(p);
      }
    } else if (a == "protect") {
      Bytes aad = text_bytes(step["authenticatedData"] ? step["authenticatedData"].as<std::string>() : "");
      Bytes pt = text_bytes(step["plaintext"] ? step["plaintext"].as<std::string>() : "");
      store(i, "ciphertext", client(actor_).protect(state(actor_), aad, pt));
      store(i, "authenticatedData", aad);
      store(i, "plaintext", pt);
    } else if (a == "unprotect") {
      auto r = client(actor_).unprotect(state(actor_), output(step["ciphertext"], "ciphertext"));
      expect_same(output(step["ciphertext"], "authenticatedData"), r.authenticated_data, actor_,
                  "authenticated data");
      expect_same(output(step["ciphertext"], "plaintext"), r.plaintext, actor_, "plaintext");
      store(i, "authenticatedData", r.authenticated_data);
      store(i, "plaintext", r.plaintext);
    } else if (a == "newMemberAddProposal") {
      // The joiner's own Add, from a GroupInfo of the actor's.
      auto gi = client(actor_).group_info(state(actor_), false);
      std::string joiner = step["joiner"].as<std::string>();
      auto r = client(joiner).new_member_add_proposal(gi.group_info, text_bytes(joiner));
      transactions_[joiner] = r.transaction_id;
      store(i, "proposal", r.proposal);
    } else if (a == "addExternalSigner") {
      std::string signer = step["signer"].as<std::string>();
      auto r = client(signer).create_external_signer(suite_, text_bytes(signer));
      signers_[signer] = r.signer_id;
      store(i, "proposal", client(actor_).add_external_signer(state(actor_), r.external_sender));
    } else if (a == "externalSignerProposal") {
      std::string m = step["member"].as<std::string>();
      auto gi = client(m).group_info(state(m), true);
      auto s = signers_.find(actor_);
      if (s == signers_.end()) {
        throw ScriptError(actor_ + " is no external signer (addExternalSigner first)");
      }
      store(i, "proposal", client(actor_).external_signer_proposal(
                               s->second, gi.group_info, gi.ratchet_tree,
                               description(step["description"])));
    } else if (a == "reinit") {
      reinit(i, step);
    } else if (a == "branch") {
      // A subgroup of the actor and `members`, with new KeyPackages.
      std::map<std::string, uint32_t> tx;
      std::vector<Bytes> kps;
      auto members = names(step, "members");
      for (const auto& m : members) {
        auto kp = client(m).create_key_package(suite_, text_bytes(m));
        tx[m] = kp.transaction_id;
        kps.push_back(kp.key_package);
      }
      auto next = follow_into_new_group(client(actor_).local_group(state(actor_)), true, kps);
      Bytes group_id = random_bytes(*rng_, 16);
      auto r = client(actor_).create_branch(state(actor_), group_id, extensions(step["extensions"]),
                                            kps, flag(step, "force_path"),
                                            flag(step, "external_tree"));
      states_[actor_] = r.state_id;
      watcher_welcomed(std::move(next), group_id, r.welcome, r.ratchet_tree,
                       r.epoch_authenticator);
      for (const auto& m : members) {
        auto j = client(m).handle_branch(state(m), tx[m], r.welcome, r.ratchet_tree);
        expect_same(r.epoch_authenticator, j.epoch_authenticator, m, "epoch authenticator");
        states_[m] = j.state_id;
      }
    } else {
      throw ScriptError("unknown action '" + a + "'");
    }
  }

  // The upstream runner's ChangeCipherSuite: the run goes on in another
  // suite that every client supports (here the smallest other one).
  void change_suite() {
    std::set<uint16_t> shared;
    bool first = true;
    for (auto& [name, c] : clients_) {
      auto s = c->supported_ciphersuites();
      std::set<uint16_t> mine(s.begin(), s.end());
      if (first) {
        shared = mine;
        first = false;
      } else {
        std::erase_if(shared, [&](uint16_t x) { return !mine.count(x); });
      }
    }
    shared.erase(suite_);
    if (shared.empty()) {
      throw ScriptError("changeCipherSuite: no other suite that every client supports");
    }
    suite_ = *shared.begin();
  }

  // §11.2 as the upstream runner drives it: proposal (or an external one),
  // commit, each member's KeyPackage for the new group, the welcomer's new
  // group, everyone else joining it.
  void reinit(size_t i, const YAML::Node& step) {
    std::string proposer = step["proposer"] ? step["proposer"].as<std::string>() : "";
    std::string committer = step["committer"].as<std::string>();
    std::string welcomer = step["welcomer"].as<std::string>();
    std::set<std::string> not_committer{welcomer}, not_welcomer{committer};
    for (const auto& m : names(step, "members")) {
      not_committer.insert(m);
      not_welcomer.insert(m);
    }
    if (!proposer.empty()) {
      not_committer.insert(proposer);
      not_welcomer.insert(proposer);
    }
    not_committer.erase(committer);
    not_welcomer.erase(welcomer);
    Bytes group_id = output(YAML::Node(0), "group_id");
    if (flag(step, "changeGroupID")) {
      group_id.push_back('+');
      group_id.push_back('+');
    }
    if (flag(step, "changeCipherSuite")) {
      change_suite();
    }
    Bytes proposal;
    if (!proposer.empty()) {
      proposal = client(proposer).reinit_proposal(state(proposer), suite_, group_id,
                                                  extensions(step["extensions"]));
    } else {
      proposal = output(step["externalReinitProposal"], "proposal");
    }
    store(i, "proposal", proposal);
    std::map<std::string, uint32_t> ids;
    std::map<std::string, Bytes> kps;
    auto c = client(committer).reinit_commit(state(committer), {proposal}, {}, false, false);
    store(i, "commit", c.commit);
    auto done = client(committer).handle_pending_reinit_commit(state(committer));
    ids[committer] = done.reinit_id;
    kps[committer] = done.key_package;
    record_epoch({proposal}, c.commit, done.epoch_authenticator);
    for (const auto& m : not_committer) {
      auto r = client(m).handle_reinit_commit(state(m), {proposal}, c.commit);
      expect_same(done.epoch_authenticator, r.epoch_authenticator, m, "epoch authenticator");
      ids[m] = r.reinit_id;
      kps[m] = r.key_package;
    }
    std::vector<Bytes> welcome_kps;
    for (const auto& m : not_welcomer) {
      welcome_kps.push_back(kps.at(m));
    }
    // The old group as one of our own clients holds it (for the watcher).
    const Group* old = client(committer).local_reinit_old_group(done.reinit_id);
    for (const auto& [m, id] : ids) {
      old = old != nullptr ? old : client(m).local_reinit_old_group(id);
    }
    auto next = follow_into_new_group(old, false, welcome_kps, group_of(c.commit));
    auto w = client(welcomer).reinit_welcome(ids.at(welcomer), welcome_kps, flag(step, "forcePath"),
                                             flag(step, "externalTree"));
    states_[welcomer] = w.state_id;
    store(i, "welcome", w.welcome);
    watcher_welcomed(std::move(next), group_id, w.welcome, w.ratchet_tree, w.epoch_authenticator);
    for (const auto& m : not_welcomer) {
      auto r = client(m).handle_reinit_welcome(ids.at(m), w.welcome, w.ratchet_tree);
      expect_same(w.epoch_authenticator, r.epoch_authenticator, m, "epoch authenticator");
      states_[m] = r.state_id;
    }
  }

  // Members in the same epoch of the same group agree on its authenticator,
  // an exported secret and the tree hash. Clients in this process show
  // their group and epoch (view()); remote ones do not, so every member is
  // also compared with those that report the same epoch authenticator (a
  // disagreement on the authenticator itself is caught where the commit or
  // the join is checked).
  void check_agreement() {
    struct Seen {
      std::string actor;
      Bytes auth, exported, tree_hash;
    };
    std::map<std::pair<Bytes, uint64_t>, Seen> by_epoch;
    std::map<Bytes, Seen> by_auth;
    for (const auto& [actor, id] : states_) {
      if (removed_.count(actor)) {
        continue;
      }
      Client& c = client(actor);
      auto v = c.view(id);
      if (v && !v->active) {
        continue;
      }
      Seen s{actor, c.state_auth(id), c.export_secret(id, "mlsref scenario", {}, 32),
             v ? v->tree_hash : Bytes{}};
      if (v) {
        auto [it, fresh] = by_epoch.emplace(std::make_pair(v->group_id, v->epoch), s);
        if (!fresh) {
          std::string who = cast_.named(actor) + " (epoch " + std::to_string(v->epoch) +
                            ", like " + cast_.named(it->second.actor) + ")";
          expect_same(it->second.auth, s.auth, who, "epoch authenticator");
          expect_same(it->second.exported, s.exported, who, "exported secret");
          if (!s.tree_hash.empty() && !it->second.tree_hash.empty()) {
            expect_same(it->second.tree_hash, s.tree_hash, who, "tree hash");
          }
        }
      }
      auto [it, fresh] = by_auth.emplace(s.auth, s);
      if (!fresh) {
        std::string who = cast_.named(actor) + " (same epoch authenticator as " +
                          cast_.named(it->second.actor) + ")";
        expect_same(it->second.exported, s.exported, who, "exported secret");
        if (!s.tree_hash.empty() && !it->second.tree_hash.empty()) {
          expect_same(it->second.tree_hash, s.tree_hash, who, "tree hash");
        }
      }
    }
  }

 public:
  // Frees every state of the run on its client (the Free RPC), as the
  // upstream runner does at the end; the first failure, if any.
  std::optional<std::string> release() {
    std::optional<std::string> failure;
    for (const auto& [actor, id] : states_) {
      try {
        client(actor).free(id);
      } catch (const std::exception& e) {
        if (!failure) {
          failure = e.what();
        }
      }
    }
    return failure;
  }

 private:
  const YAML::Node& steps_;
  uint16_t suite_;
  bool encrypt_;
  const Cast& cast_;
  Botan::RandomNumberGenerator* rng_;
  std::map<std::string, std::unique_ptr<Client>> clients_;
  std::map<std::string, uint32_t> states_, transactions_, signers_;
  std::vector<std::map<std::string, Bytes>> outputs_;
  size_t at_ = 0;
  std::string action_, actor_;

  // --emit-passive
  static constexpr const char* kWatcher = "(watcher)";
  bool watch_ = false, watcher_added_ = false, watcher_joined_ = false;
  Bytes watcher_group_;
  static Bytes group_of(const Bytes& message) {
    MLSMessage m = decode<MLSMessage>(message);
    if (const auto* p = std::get_if<PublicMessage>(&m.body)) {
      return p->content.group_id;
    }
    if (const auto* p = std::get_if<PrivateMessage>(&m.body)) {
      return p->group_id;
    }
    return {};
  }
  json watcher_case_;
  std::vector<json> finished_cases_;  // the watcher's cases of groups it left
  json epochs_ = json::array();
  std::vector<std::pair<Bytes, Bytes>> psks_;
  std::map<std::string, std::pair<std::vector<Bytes>, Bytes>> pending_;  // by committer

  std::map<size_t, std::set<std::string>> removes_;  // by commit step: whom it removes
  std::set<std::string> removed_;  // actors out of their group (until they join again)
};


// Ours: {"action": "randomHistory", "actor": A, "members": M, "steps": N,
// "newSigner": true} stands for a group A creates with M - 1 others, then N random operations
// drawn from the run's seed: adds (by value and by reference), removes,
// updates committed by another member, self-updates, empty commits, and
// application messages, some read out of order. It is expanded into plain
// steps before the run, so every check applies to each of them.
constexpr size_t kMaxRandomMembers = 1000;
constexpr size_t kMaxRandomSteps = 100000;

YAML::Node expand(const YAML::Node& steps, Botan::RandomNumberGenerator& rng) {
  YAML::Node out(YAML::NodeType::Sequence);
  auto push = [&](YAML::Node n) {
    out.push_back(n);
    return out.size() - 1;
  };
  for (const auto& step : steps) {
    if (!step.IsMap() || !step["action"] || step["action"].as<std::string>() != "randomHistory") {
      out.push_back(step);
      continue;
    }
    std::string creator = step["actor"] ? step["actor"].as<std::string>() : "r0";
    size_t initial = step["members"] ? step["members"].as<size_t>() : 3;
    size_t count = step["steps"] ? step["steps"].as<size_t>() : 50;
    // Bounds, so that a script cannot ask for unbounded memory or time.
    if (initial < 1 || initial > kMaxRandomMembers || count > kMaxRandomSteps) {
      throw ScriptError("randomHistory takes 1 to " + std::to_string(kMaxRandomMembers) +
                        " members and at most " + std::to_string(kMaxRandomSteps) + " steps");
    }
    // "newSigner": false keeps to what the harness's RPCs can do (a remote
    // client has no RPC for a self-update with a new signature key).
    bool new_signers = !step["newSigner"] || step["newSigner"].as<bool>();
    std::vector<std::string> roster{creator};
    size_t next = 1;
    YAML::Node create;
    create["action"] = "createGroup";
    create["actor"] = creator;
    for (size_t i = 1; i < initial; ++i) {
      roster.push_back("r" + std::to_string(next++));
      create["members"].push_back(roster.back());
    }
    push(create);
    auto pick = [&](const std::vector<std::string>& from) {
      return from[random_below(rng, from.size())];
    };
    auto others = [&](const std::string& but) {
      std::vector<std::string> o;
      for (const auto& r : roster) {
        if (r != but) o.push_back(r);
      }
      return o;
    };
    auto commit_by = [&](const std::string& committer, YAML::Node extra) {
      YAML::Node c = extra;
      c["action"] = "fullCommit";
      c["actor"] = committer;
      c["members"] = YAML::Node(YAML::NodeType::Sequence);
      for (const auto& o : others(committer)) c["members"].push_back(o);
      return push(c);
    };
    for (size_t k = 0; k < count; ++k) {
      uint64_t op = random_below(rng, 100);
      std::string who = pick(roster);
      if (op < 20 || roster.size() < 2) {  // add, by value or by reference
        std::string joiner = "r" + std::to_string(next++);
        YAML::Node kp;
        kp["action"] = "createKeyPackage";
        kp["actor"] = joiner;
        size_t kpi = push(kp);
        YAML::Node c;
        if (random_below(rng, 2) == 0) {
          YAML::Node d;
          d["proposalType"] = "add";
          d["keyPackage"] = kpi;
          c["byValue"].push_back(d);
        } else {
          YAML::Node p;
          p["action"] = "addProposal";
          p["actor"] = pick(roster);
          p["keyPackage"] = kpi;
          c["byReference"].push_back(push(p));
        }
        c["joiners"].push_back(joiner);
        commit_by(who, c);
        roster.push_back(joiner);
      } else if (op < 32 && roster.size() > 2) {  // remove
        std::string gone = pick(others(who));
        YAML::Node c, d;
        d["proposalType"] = "remove";
        d["removed"] = gone;
        c["byValue"].push_back(d);
        // The removed member does not apply its removal (as for the upstream runner).
        roster.erase(std::find(roster.begin(), roster.end(), gone));
        commit_by(who, c);
      } else if (op < 50) {  // an Update, committed by another member
        YAML::Node p;
        p["action"] = "updateProposal";
        p["actor"] = who;
        YAML::Node c;
        c["byReference"].push_back(push(p));
        commit_by(pick(others(who)), c);
      } else if (op < 62) {  // our key-update API
        YAML::Node c;
        bool with_new_signer = random_below(rng, 3) == 0;  // drawn even when not used
        c["action"] = with_new_signer && new_signers ? "selfUpdateWithNewSigner" : "selfUpdate";
        c["actor"] = who;
        for (const auto& o : others(who)) c["members"].push_back(o);
        push(c);
      } else if (op < 70) {  // an empty commit, sometimes with a path
        YAML::Node c;
        if (random_below(rng, 2) == 0) c["force_path"] = true;
        commit_by(who, c);
      } else {  // application messages; with 3 or more, read newest first
        size_t n = 1 + random_below(rng, 3);
        std::vector<size_t> sent;
        for (size_t m = 0; m < n; ++m) {
          YAML::Node p;
          p["action"] = "protect";
          p["actor"] = who;
          p["authenticatedData"] = "aad " + std::to_string(k);
          p["plaintext"] = "message " + std::to_string(k) + "." + std::to_string(m);
          sent.push_back(push(p));
        }
        if (n >= 3) std::reverse(sent.begin(), sent.end());
        for (const auto& reader : others(who)) {
          for (size_t idx : sent) {
            YAML::Node u;
            u["action"] = "unprotect";
            u["actor"] = reader;
            u["ciphertext"] = idx;
            push(u);
          }
        }
      }
    }
  }
  return out;
}
// The actors a script names, sorted: the keys of the upstream runner's step
// parameters that name clients.
std::vector<std::string> actors_of(const YAML::Node& steps) {
  static const char* const kKeys[] = {"actor",     "members",  "joiners",  "joiner",
                                      "clients",   "proposer", "committer", "welcomer",
                                      "signer",    "member"};
  std::set<std::string> out;
  if (!steps.IsSequence()) {
    return {};
  }
  for (const auto& step : steps) {
    if (!step.IsMap()) {
      continue;
    }
    for (const char* key : kKeys) {
      const YAML::Node n = step[key];
      if (!n) {
        continue;
      }
      if (n.IsScalar()) {
        out.insert(n.as<std::string>());
      } else if (n.IsSequence()) {
        for (const auto& e : n) {
          if (e.IsScalar()) {
            out.insert(e.as<std::string>());
          }
        }
      }
    }
  }
  return {out.begin(), out.end()};
}

// Every assignment of `clients` clients to `actors` actors (the first actor's
// client varying slowest), or one drawn from `rng`: when asked, and when
// there would be more than kMaxAssignments (a randomHistory script has
// dozens of actors).
constexpr size_t kMaxAssignments = 4096;
std::vector<std::vector<size_t>> assignments(size_t clients, size_t actors, bool random,
                                             Botan::RandomNumberGenerator& rng) {
  size_t total = 1;
  for (size_t k = 0; k < actors && !random; ++k) {
    if (total > kMaxAssignments / clients) {
      random = true;
    }
    total *= clients;
  }
  if (random) {
    std::vector<size_t> one(actors);
    for (auto& c : one) {
      c = random_below(rng, clients);
    }
    return {one};
  }
  std::vector<std::vector<size_t>> out;
  for (size_t t = 0; t < total; ++t) {
    std::vector<size_t> combo(actors);
    size_t rest = t;
    for (size_t k = actors; k-- > 0;) {
      combo[k] = rest % clients;
      rest /= clients;
    }
    out.push_back(std::move(combo));
  }
  return out;
}

FileResult run_file(const fs::path& file, const ScenarioOptions& options,
                    const std::vector<ClientSpec>& clients, const ClientSpec& others,
                    bool labeled, const ScenarioProgress& progress) {
  FileResult result;
  result.path = file.string();
  result.type = "scenario " + file.stem().string();
  result.provenance = "scenario";
  YAML::Node root;
  // Read here rather than by YAML::LoadFile, which leaks its buffer when the
  // read fails (a folder given as the file).
  if (std::error_code folder; fs::is_directory(file, folder)) {
    throw InputError("cannot read " + file.string() + ": a folder, not a scenario file");
  }
  std::ifstream in(file, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.is_open() || in.bad()) {
    throw InputError("cannot read " + file.string());
  }
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(file.string() + ": not YAML or JSON: " + e.what());
  }
  if (!root.IsMap() || !root["scripts"] || !root["scripts"].IsMap()) {
    throw InputError(file.string() + ": no \"scripts\" object of named scripts");
  }
  std::vector<uint16_t> suites;
  if (options.suite && !labeled) {
    suites.push_back(*options.suite);
  } else {
    // The suites every client supports, in the first one's order.
    for (size_t k = 0; k < clients.size(); ++k) {
      std::vector<uint16_t> theirs;
      try {
        theirs = clients[k].make("", system_rng())->supported_ciphersuites();
      } catch (const std::exception& e) {
        throw InputError("client " + clients[k].label + " does not answer: " + e.what());
      }
      if (k == 0) {
        suites = theirs;
      } else {
        std::erase_if(suites, [&](uint16_t s) {
          return std::find(theirs.begin(), theirs.end(), s) == theirs.end();
        });
      }
    }
    if (options.suite) {
      if (std::find(suites.begin(), suites.end(), *options.suite) == suites.end()) {
        throw InputError("cipher suite " + std::to_string(*options.suite) +
                         " is not supported by every client");
      }
      suites = {*options.suite};
    }
  }
  std::vector<bool> modes;
  if (options.handshake != HandshakeMode::private_only) modes.push_back(false);
  if (options.handshake != HandshakeMode::public_only) modes.push_back(true);

  // One task per script, suite and mode: its own random stream and clients,
  // so tasks run on separate threads (--jobs) and give the same cases as in
  // turn; they are delivered in this order. Each task gets its own copy of
  // the steps (yaml-cpp nodes are not safe to share between threads).
  struct Task {
    std::string name;
    YAML::Node steps;
    uint16_t suite = 0;
    bool encrypt = false;
    std::vector<CaseResult> cases;
    std::vector<json> passive;
    std::exception_ptr error;
  };
  std::vector<Task> tasks;
  for (const auto& script : root["scripts"]) {
    if (!script.first.IsScalar()) {
      throw InputError(file.string() + ": a script's name is not a string");
    }
    for (uint16_t suite : suites) {
      for (bool encrypt : modes) {
        Task task;
        task.name = script.first.as<std::string>();
        task.steps = YAML::Clone(script.second);
        task.suite = suite;
        task.encrypt = encrypt;
        tasks.push_back(std::move(task));
      }
    }
  }
  auto run_task = [&](Task& task) {
    const std::string& name = task.name;
    const YAML::Node& steps = task.steps;
    uint16_t suite = task.suite;
    bool encrypt = task.encrypt;
    {
      {
        std::string purpose = "scenario/" + file.filename().string() + "/" + name + "/" +
                              std::to_string(suite) + (encrypt ? "/private" : "/public");
        auto rng = seeded_rng(options.seed, purpose);
        YAML::Node expanded;
        std::vector<std::string> actors;
        std::vector<std::vector<size_t>> combos{{}};
        try {
          if (steps.IsSequence() && steps.size() == 0) {
            throw ScriptError("the script has no steps: a run that checks nothing");
          }
          expanded = steps.IsSequence() ? expand(steps, *rng) : steps;
          if (labeled) {
            actors = actors_of(expanded);
            auto pick = seeded_rng(options.seed, "assignment/" + purpose);
            combos = assignments(clients.size(), actors.size(), options.random_assignment, *pick);
          }
        } catch (const std::exception& e) {
          // A step the expansion cannot read fails this script's run, as a
          // step the run cannot read does.
          CaseResult c;
          c.name = name + (encrypt ? " (private)" : " (public)");
          c.cipher_suite = suite;
          c.status = Status::fail;
          c.check = name + " (expanding the script)";
          c.message = std::string("bad script: ") + e.what();
          task.cases.push_back(std::move(c));
          return;
        }
        for (const auto& combo : combos) {
          Cast cast;
          cast.labeled = labeled;
          cast.others = &others;
          std::string assignment;
          for (size_t k = 0; k < actors.size(); ++k) {
            cast.actors[actors[k]] = &clients[combo[k]];
            assignment += " " + actors[k] + "=" + clients[combo[k]].label;
          }
          CaseResult c;
          c.name = name + (encrypt ? " (private)" : " (public)") + assignment;
          c.cipher_suite = suite;
          // Unlabeled runs keep the stream the expansion started (the same
          // bytes as before clients could be given); each assignment gets its own.
          std::unique_ptr<Botan::RandomNumberGenerator> own;
          if (labeled) {
            own = seeded_rng(options.seed, purpose + "/" + assignment);
          }
          const PrimitiveCounts before = thread_primitive_counts();
          PrimitiveCache cache;  // per run, as per verified case
          Run run(expanded, suite, encrypt, cast, labeled ? *own : *rng,
                  options.emit_passive.has_value());
          try {
            if (!steps.IsSequence()) {
              throw ScriptError("the script is not a list of steps");
            }
            run.run();
            c.status = Status::pass;
          } catch (const Error& e) {
            c.status = e.kind() == ErrorKind::unsupported ? Status::unsupported : Status::fail;
            c.check = name + " " + run.where();
            c.message = e.what();
          } catch (const ScriptError& e) {
            c.status = Status::fail;
            c.check = name + " " + run.where();
            c.message = std::string("bad script: ") + e.what();
          } catch (const ClientFailure& e) {
            c.status = e.unsupported() ? Status::unsupported : Status::fail;
            c.check = name + " " + run.where();
            c.message = e.what();
          } catch (const std::exception& e) {
            c.status = Status::fail;
            c.check = name + " " + run.where();
            c.message = e.what();
          }
          if (auto failure = run.release(); failure && c.status == Status::pass) {
            c.status = Status::fail;
            c.check = name + " (freeing the states)";
            c.message = *failure;
          }
          if (options.emit_passive && c.status == Status::pass) {
            for (json& pc : run.passive_cases()) {
              pc["mlsref_scenario"] = file.filename().string() + ": " + c.name;
              task.passive.push_back(std::move(pc));
            }
          }
          c.counts = thread_primitive_counts();
          c.counts -= before;
          task.cases.push_back(std::move(c));
        }
      }
    }
  };

  size_t index = 0;
  json passive = json::array();
  // Clients of other processes (--client) answer one run at a time.
  for_each_ordered(
      tasks.size(), labeled ? 1 : options.jobs,
      [&](size_t t) {
        try {
          run_task(tasks[t]);
        } catch (...) {
          // Outside a run (expanding the script): thrown where a serial run throws.
          tasks[t].error = std::current_exception();
        }
      },
      [&](size_t t) {
        if (tasks[t].error) {
          std::rethrow_exception(tasks[t].error);
        }
        for (auto& c : tasks[t].cases) {
          c.index = index++;
          result.cases.push_back(std::move(c));
          if (progress) {
            progress(result, result.cases.back());
          }
        }
        for (auto& pc : tasks[t].passive) {
          passive.push_back(std::move(pc));
        }
        tasks[t] = Task{};
      });
  if (options.emit_passive) {
    std::error_code ec;
    fs::create_directories(*options.emit_passive, ec);
    fs::path out = *options.emit_passive /
                   ("passive-client-handling-commit.scenario-" + file.stem().string() + ".json");
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    if (!f) {
      throw InputError("cannot write " + out.string());
    }
    f << passive.dump(1) << "\n";
  }
  return result;
}

}  // namespace

ClientFactory local_clients() {
  // One fixed clock, so that a seed gives the same bytes on every run and
  // every lifetime in a run starts at the same second (a passive client
  // judging them by its own KeyPackage's not_before accepts them all).
  return [](const std::string&, Botan::RandomNumberGenerator& rng) {
    return std::make_unique<LocalClient>(rng, [] { return kScenarioClock; });
  };
}

ClientFactory live_local_clients() {
  return [](const std::string&, Botan::RandomNumberGenerator& rng) {
    return std::make_unique<LocalClient>(rng);
  };
}

FileResult run_scenario_file(const fs::path& file, const ScenarioOptions& options,
                             const ClientFactory& make_client, const ScenarioProgress& progress) {
  std::vector<ClientSpec> one{{"", make_client}};
  return run_file(file, options, one, one[0], false, progress);
}

FileResult run_scenario_file(const fs::path& file, const ScenarioOptions& options,
                             const std::vector<ClientSpec>& clients,
                             const ScenarioProgress& progress) {
  if (clients.empty()) {
    throw InputError("no clients to run " + file.string() + " with");
  }
  ClientSpec watcher{"local", live_local_clients()};
  return run_file(file, options, clients, watcher, true, progress);
}

}  // namespace mlsref::conformance
