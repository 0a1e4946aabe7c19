#include "conformance/seeds.h"

#include <fstream>

#include "conformance/check.h"
#include "fuzz/inputs.h"

namespace mlsref::conformance {

namespace {

json read_json(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + p.string());
  }
  return json::parse(in);
}

class CorpusWriter {
 public:
  CorpusWriter(const std::filesystem::path& out, const std::string& target)
      : dir_(out / target) {
    std::filesystem::create_directories(dir_);
  }
  void add(ByteView data) {
    std::ofstream f(dir_ / ("seed-" + std::to_string(n_++)), std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) {
      throw std::runtime_error("cannot write " + dir_.string());
    }
  }
  size_t count() const { return n_; }

 private:
  std::filesystem::path dir_;
  size_t n_ = 0;
};

}  // namespace

size_t write_seed_corpora(const std::filesystem::path& root, const std::filesystem::path& out) {
  json headers = read_json(root / "ietf" / "deserialization.json");
  json crypto = read_json(root / "ietf" / "crypto-basics.json");

  // fuzz_codec: a VectorSample (fuzz/inputs.h) built around each header and
  // each crypto-basics value.
  CorpusWriter codec(out, "fuzz_codec");
  for (const auto& h : headers) {
    Bytes header = from_hex(h.at("vlbytes_header").get<std::string>());
    Bytes sample = header;
    sample.resize(header.size() + std::min<uint64_t>(h.at("length").get<uint64_t>(), 64), 0x41);
    codec.add(sample);
  }
  for (const auto& c : crypto) {
    const json& e = c.at("encrypt_with_label");
    fuzz::VectorSample s;
    s.id = static_cast<uint16_t>(c.at("cipher_suite").get<uint64_t>());
    s.blobs = {from_hex(e.at("kem_output").get<std::string>()),
               from_hex(e.at("ciphertext").get<std::string>())};
    s.maybe = from_hex(e.at("context").get<std::string>());
    s.flags = {true, false};
    codec.add(encode(s));
  }

  // fuzz_hpke_open: every encrypt_with_label case, as an HpkeOpenInput.
  CorpusWriter hpke(out, "fuzz_hpke_open");
  for (const auto& c : crypto) {
    const json& e = c.at("encrypt_with_label");
    fuzz::HpkeOpenInput in;
    in.cipher_suite = static_cast<uint16_t>(c.at("cipher_suite").get<uint64_t>());
    in.private_key = from_hex(e.at("priv").get<std::string>());
    in.label = to_bytes(e.at("label").get<std::string>());
    in.context = from_hex(e.at("context").get<std::string>());
    in.kem_output = from_hex(e.at("kem_output").get<std::string>());
    in.ciphertext = from_hex(e.at("ciphertext").get<std::string>());
    hpke.add(encode(in));
  }
  return codec.count() + hpke.count();
}

}  // namespace mlsref::conformance
