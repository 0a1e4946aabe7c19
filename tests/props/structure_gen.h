// Random values of every RFC 9420 structure, for RapidCheck properties. The
// generic filler walks a struct's field list; select(...) structures have
// hand-written fillers that set only the fields their case uses, so that
// decode(encode(v)) == v holds exactly.
#pragma once

#include <rapidcheck.h>

#include "ref/mls_message.h"

namespace mlsref::props {

inline Bytes arb_bytes(size_t max = 24) {
  size_t n = *rc::gen::inRange<size_t>(0, max + 1);
  return *rc::gen::container<Bytes>(n, rc::gen::arbitrary<uint8_t>());
}

template <class E>
E pick(std::initializer_list<E> values) {
  return *rc::gen::elementOf(std::vector<E>(values));
}

// Declarations first, so the generic filler below finds them.
void fill(Credential& v);
void fill(LeafNode& v);
void fill(Node& v);
void fill(PreSharedKeyID& v);
void fill(Proposal& v);
void fill(ProposalOrRef& v);
void fill(Sender& v);
void fill(FramedContent& v);
void fill(AuthenticatedContent& v);
void fill(PublicMessage& v);
void fill(MLSMessage& v);
inline void fill(ContentType& v) {
  v = pick({ContentType::application, ContentType::proposal, ContentType::commit});
}

template <class T>
void fill(T& v) {
  if constexpr (std::same_as<T, bool>) {
    v = *rc::gen::arbitrary<bool>();
  } else if constexpr (std::unsigned_integral<T>) {
    v = *rc::gen::arbitrary<T>();
  } else if constexpr (std::same_as<T, Bytes>) {
    v = arb_bytes();
  } else if constexpr (std::same_as<T, SecureBytes>) {
    Bytes b = arb_bytes();
    v.assign(b.begin(), b.end());
  } else if constexpr (is_secret<T>::value) {
    Bytes b = arb_bytes();
    v = T(SecureBytes(b.begin(), b.end()));
  } else if constexpr (is_fixed_bytes<T>::value) {
    for (auto& b : v) {
      b = *rc::gen::arbitrary<uint8_t>();
    }
  } else if constexpr (requires {
                         typename T::value_type;
                         v.has_value();
                       }) {
    if (*rc::gen::arbitrary<bool>()) {
      typename T::value_type inner{};
      fill(inner);
      v = std::move(inner);
    } else {
      v.reset();
    }
  } else if constexpr (requires {
                         typename T::value_type;
                         v.begin();
                       }) {
    size_t n = *rc::gen::inRange<size_t>(0, 3);
    v.resize(n);
    for (auto& x : v) {
      fill(x);
    }
  } else {
    static_assert(Structure<T>, "no filler for this type");
    std::apply([&](const auto&... f) { (fill(v.*(f.member)), ...); }, T::fields);
  }
}

inline void fill(Credential& v) {
  v = Credential{};
  v.credential_type = pick<CredentialType>({credential_type::basic, credential_type::x509});
  if (v.credential_type == credential_type::basic) {
    fill(v.identity);
  } else {
    fill(v.certificates);
  }
}

inline void fill(LeafNode& v) {
  v = LeafNode{};
  fill(v.encryption_key);
  fill(v.signature_key);
  fill(v.credential);
  fill(v.capabilities);
  v.leaf_node_source =
      pick({LeafNodeSource::key_package, LeafNodeSource::update, LeafNodeSource::commit});
  if (v.leaf_node_source == LeafNodeSource::key_package) {
    fill(v.lifetime);
  } else if (v.leaf_node_source == LeafNodeSource::commit) {
    fill(v.parent_hash);
  }
  fill(v.extensions);
  fill(v.signature);
}

inline void fill(Node& v) {
  v = Node{};
  v.node_type = pick({NodeType::leaf, NodeType::parent});
  if (v.node_type == NodeType::leaf) {
    fill(v.leaf_node);
  } else {
    fill(v.parent_node);
  }
}

inline void fill(PreSharedKeyID& v) {
  v = PreSharedKeyID{};
  v.psktype = pick({PSKType::external, PSKType::resumption});
  if (v.psktype == PSKType::external) {
    fill(v.psk_id);
  } else {
    v.usage = pick(
        {ResumptionPSKUsage::application, ResumptionPSKUsage::reinit, ResumptionPSKUsage::branch});
    fill(v.psk_group_id);
    fill(v.psk_epoch);
  }
  fill(v.psk_nonce);
}

inline void fill(Proposal& v) {
  switch (*rc::gen::inRange(0, 7)) {
    case 0:
      v.body.emplace<Add>();
      fill(std::get<Add>(v.body));
      break;
    case 1:
      v.body.emplace<Update>();
      fill(std::get<Update>(v.body));
      break;
    case 2:
      v.body.emplace<Remove>();
      fill(std::get<Remove>(v.body));
      break;
    case 3:
      v.body.emplace<PreSharedKey>();
      fill(std::get<PreSharedKey>(v.body));
      break;
    case 4:
      v.body.emplace<ReInit>();
      fill(std::get<ReInit>(v.body));
      break;
    case 5:
      v.body.emplace<ExternalInit>();
      fill(std::get<ExternalInit>(v.body));
      break;
    default:
      v.body.emplace<GroupContextExtensions>();
      fill(std::get<GroupContextExtensions>(v.body));
  }
}

inline void fill(ProposalOrRef& v) {
  v = ProposalOrRef{};
  v.type = pick({ProposalOrRefType::proposal, ProposalOrRefType::reference});
  if (v.type == ProposalOrRefType::proposal) {
    Proposal p;
    fill(p);
    v.proposal = std::move(p);
  } else {
    fill(v.reference);
  }
}

inline void fill(Sender& v) {
  v = Sender{};
  v.sender_type = pick({SenderType::member, SenderType::external, SenderType::new_member_proposal,
                        SenderType::new_member_commit});
  if (v.sender_type == SenderType::member) {
    fill(v.leaf_index);
  } else if (v.sender_type == SenderType::external) {
    fill(v.sender_index);
  }
}

inline void fill(FramedContent& v) {
  v = FramedContent{};
  fill(v.group_id);
  fill(v.epoch);
  fill(v.sender);
  fill(v.authenticated_data);
  fill(v.content_type);
  switch (v.content_type) {
    case ContentType::application:
      fill(v.application_data);
      break;
    case ContentType::proposal:
      fill(v.proposal);
      break;
    case ContentType::commit:
      fill(v.commit);
      break;
  }
}

inline void fill_auth(FramedContentAuthData& a, ContentType t) {
  a = FramedContentAuthData{};
  fill(a.signature);
  if (t == ContentType::commit) {
    fill(a.confirmation_tag);
  }
}

inline void fill(AuthenticatedContent& v) {
  fill(v.wire_format);
  fill(v.content);
  fill_auth(v.auth, v.content.content_type);
}

inline void fill(PublicMessage& v) {
  v = PublicMessage{};
  fill(v.content);
  fill_auth(v.auth, v.content.content_type);
  if (v.content.sender.sender_type == SenderType::member) {
    fill(v.membership_tag);
  }
}

inline void fill(MLSMessage& v) {
  v = MLSMessage{};
  switch (*rc::gen::inRange(0, 5)) {
    case 0:
      v.body.emplace<PublicMessage>();
      fill(std::get<PublicMessage>(v.body));
      break;
    case 1:
      v.body.emplace<PrivateMessage>();
      fill(std::get<PrivateMessage>(v.body));
      break;
    case 2:
      v.body.emplace<Welcome>();
      fill(std::get<Welcome>(v.body));
      break;
    case 3:
      v.body.emplace<GroupInfo>();
      fill(std::get<GroupInfo>(v.body));
      break;
    default:
      v.body.emplace<KeyPackage>();
      fill(std::get<KeyPackage>(v.body));
      // R10-6: MLSMessage::decode refuses a KeyPackage of another version.
      std::get<KeyPackage>(v.body).version = v.version;
  }
}

template <class T>
T arb() {
  T v{};
  fill(v);
  return v;
}

}  // namespace mlsref::props
