/*
 * phalanx_rsa: RSA signatures for TLS handshakes with the system's OpenSSL 3 libcrypto (libcrypto.so.3).
 *
 * netty-tcnative's BoringSSL has no AVX-512 IFMA code for RSA; OpenSSL 3.0 has, and signs RSA-2048 about twice as
 * fast on CPUs that have it. The node hands RSA signing to this library through Netty's OpenSslPrivateKeyMethod
 * (see dev.phalanx.node.tls.RsaShim). libcrypto is opened with dlopen at init time and reached only through dlsym'd
 * pointers: no OpenSSL headers are needed to build this file, and no symbol of it can clash with BoringSSL's.
 *
 * The few OpenSSL 3.0 declarations used are written out below (opaque types, constants from the 3.0 headers).
 * Thread safety: an EVP_PKEY is only read while signing (safe to share between threads in OpenSSL 3); each call
 * has its own EVP_MD_CTX.
 */
#include <jni.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_md_st EVP_MD;
typedef struct engine_st ENGINE;

#define PHX_EVP_PKEY_RSA 6             /* NID_rsaEncryption */
#define PHX_RSA_PKCS1_PADDING 1
#define PHX_RSA_PKCS1_PSS_PADDING 6
#define PHX_RSA_PSS_SALTLEN_DIGEST (-1)
#define PHX_OPENSSL_VERSION 0

/* TLS SignatureScheme code points (RFC 8446 4.2.3), the values BoringSSL passes to the private key method */
#define TLS_RSA_PKCS1_SHA256 0x0401
#define TLS_RSA_PKCS1_SHA384 0x0501
#define TLS_RSA_PKCS1_SHA512 0x0601
#define TLS_RSA_PSS_RSAE_SHA256 0x0804
#define TLS_RSA_PSS_RSAE_SHA384 0x0805
#define TLS_RSA_PSS_RSAE_SHA512 0x0806

#define MAX_SIGNATURE 2048              /* 16384-bit modulus */

static EVP_PKEY *(*p_d2i_AutoPrivateKey)(EVP_PKEY **, const unsigned char **, long);
static void (*p_EVP_PKEY_free)(EVP_PKEY *);
static int (*p_EVP_PKEY_get_base_id)(const EVP_PKEY *);
static int (*p_EVP_PKEY_get_size)(const EVP_PKEY *);
static EVP_MD_CTX *(*p_EVP_MD_CTX_new)(void);
static void (*p_EVP_MD_CTX_free)(EVP_MD_CTX *);
static int (*p_EVP_DigestSignInit)(EVP_MD_CTX *, EVP_PKEY_CTX **, const EVP_MD *, ENGINE *, EVP_PKEY *);
static int (*p_EVP_DigestSign)(EVP_MD_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
static int (*p_EVP_PKEY_CTX_set_rsa_padding)(EVP_PKEY_CTX *, int);
static int (*p_EVP_PKEY_CTX_set_rsa_pss_saltlen)(EVP_PKEY_CTX *, int);
static const EVP_MD *(*p_EVP_sha256)(void);
static const EVP_MD *(*p_EVP_sha384)(void);
static const EVP_MD *(*p_EVP_sha512)(void);
static unsigned long (*p_ERR_get_error)(void);
static void (*p_ERR_error_string_n)(unsigned long, char *, size_t);
static void (*p_ERR_clear_error)(void);
static const char *(*p_OpenSSL_version)(int);

static void *libcrypto;

/* Throws exception class NAME with MESSAGE, followed by libcrypto's error queue (which is then empty). */
static void throw_error(JNIEnv *env, const char *name, const char *message) {
    char text[512];
    int n = snprintf(text, sizeof text, "%s", message);
    size_t used = n < 0 ? 0 : (size_t) n < sizeof text ? (size_t) n : sizeof text - 1;
    if (p_ERR_get_error != NULL) {
        unsigned long e;
        while ((e = p_ERR_get_error()) != 0) {
            if (used + 3 < sizeof text) {
                text[used++] = ':';
                text[used++] = ' ';
                text[used] = '\0';
                p_ERR_error_string_n(e, text + used, sizeof text - used);
                used = strlen(text);
            }
        }
    }
    jclass c = (*env)->FindClass(env, name);
    if (c != NULL) {
        (*env)->ThrowNew(env, c, text);
    }
}

/* Throws IllegalStateException and returns 1 when init() has not opened libcrypto. */
static int not_initialized(JNIEnv *env) {
    if (libcrypto != NULL) {
        return 0;
    }
    jclass c = (*env)->FindClass(env, "java/lang/IllegalStateException");
    if (c != NULL) {
        (*env)->ThrowNew(env, c, "phalanx_rsa: libcrypto.so.3 is not loaded");
    }
    return 1;
}

#define RESOLVE(sym) \
    do { \
        *(void **) (&p_##sym) = dlsym(libcrypto, #sym); \
        if (p_##sym == NULL) { \
            missing = #sym; \
            goto fail; \
        } \
    } while (0)

/* Opens libcrypto.so.3 and resolves what is used; returns NULL on success, else why not (a Java string). */
JNIEXPORT jstring JNICALL Java_dev_phalanx_node_tls_RsaShim_init(JNIEnv *env, jclass cls) {
    (void) cls;
    const char *missing = NULL;
    char why[512];
    if (libcrypto != NULL) {
        return NULL;
    }
    void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *e = dlerror();
        snprintf(why, sizeof why, "cannot open libcrypto.so.3: %s", e != NULL ? e : "unknown error");
        return (*env)->NewStringUTF(env, why);
    }
    libcrypto = lib;
    RESOLVE(d2i_AutoPrivateKey);
    RESOLVE(EVP_PKEY_free);
    RESOLVE(EVP_PKEY_get_base_id);
    RESOLVE(EVP_PKEY_get_size);
    RESOLVE(EVP_MD_CTX_new);
    RESOLVE(EVP_MD_CTX_free);
    RESOLVE(EVP_DigestSignInit);
    RESOLVE(EVP_DigestSign);
    RESOLVE(EVP_PKEY_CTX_set_rsa_padding);
    RESOLVE(EVP_PKEY_CTX_set_rsa_pss_saltlen);
    RESOLVE(EVP_sha256);
    RESOLVE(EVP_sha384);
    RESOLVE(EVP_sha512);
    RESOLVE(ERR_get_error);
    RESOLVE(ERR_error_string_n);
    RESOLVE(ERR_clear_error);
    RESOLVE(OpenSSL_version);
    return NULL;
fail:
    snprintf(why, sizeof why, "libcrypto.so.3 has no %s (not OpenSSL 3?)", missing);
    p_ERR_get_error = NULL;
    libcrypto = NULL;
    dlclose(lib);
    return (*env)->NewStringUTF(env, why);
}

/* OpenSSL_version(OPENSSL_VERSION), e.g. "OpenSSL 3.0.17 1 Jul 2025". */
JNIEXPORT jstring JNICALL Java_dev_phalanx_node_tls_RsaShim_version(JNIEnv *env, jclass cls) {
    (void) cls;
    if (not_initialized(env)) {
        return NULL;
    }
    return (*env)->NewStringUTF(env, p_OpenSSL_version(PHX_OPENSSL_VERSION));
}

/* Parses a PKCS#8 (or traditional) DER RSA private key; returns the EVP_PKEY as a handle. */
JNIEXPORT jlong JNICALL Java_dev_phalanx_node_tls_RsaShim_loadKey(JNIEnv *env, jclass cls, jbyteArray der) {
    (void) cls;
    if (not_initialized(env)) {
        return 0;
    }
    jsize n = (*env)->GetArrayLength(env, der);
    unsigned char *buf = malloc(n > 0 ? (size_t) n : 1);
    if (buf == NULL) {
        throw_error(env, "java/lang/OutOfMemoryError", "phalanx_rsa: key buffer");
        return 0;
    }
    (*env)->GetByteArrayRegion(env, der, 0, n, (jbyte *) buf);
    const unsigned char *p = buf;
    p_ERR_clear_error();
    EVP_PKEY *key = p_d2i_AutoPrivateKey(NULL, &p, n);
    memset(buf, 0, (size_t) n);
    free(buf);
    if (key == NULL) {
        throw_error(env, "java/lang/IllegalArgumentException", "libcrypto cannot read the private key");
        return 0;
    }
    if (p_EVP_PKEY_get_base_id(key) != PHX_EVP_PKEY_RSA || p_EVP_PKEY_get_size(key) > MAX_SIGNATURE) {
        p_EVP_PKEY_free(key);
        throw_error(env, "java/lang/IllegalArgumentException", "not an RSA key of at most 16384 bits");
        return 0;
    }
    return (jlong) (intptr_t) key;
}

JNIEXPORT void JNICALL Java_dev_phalanx_node_tls_RsaShim_freeKey(JNIEnv *env, jclass cls, jlong handle) {
    (void) cls;
    if (handle != 0 && !not_initialized(env)) {
        p_EVP_PKEY_free((EVP_PKEY *) (intptr_t) handle);
    }
}

/* Hashes INPUT with the algorithm's digest and signs it; throws for an algorithm this file does not do. */
JNIEXPORT jbyteArray JNICALL Java_dev_phalanx_node_tls_RsaShim_sign(JNIEnv *env, jclass cls, jlong handle,
                                                                    jint algorithm, jbyteArray input) {
    (void) cls;
    const EVP_MD *md;
    int pss;
    if (not_initialized(env)) {
        return NULL;
    }
    switch (algorithm) {
        case TLS_RSA_PSS_RSAE_SHA256: md = p_EVP_sha256(); pss = 1; break;
        case TLS_RSA_PSS_RSAE_SHA384: md = p_EVP_sha384(); pss = 1; break;
        case TLS_RSA_PSS_RSAE_SHA512: md = p_EVP_sha512(); pss = 1; break;
        case TLS_RSA_PKCS1_SHA256: md = p_EVP_sha256(); pss = 0; break;
        case TLS_RSA_PKCS1_SHA384: md = p_EVP_sha384(); pss = 0; break;
        case TLS_RSA_PKCS1_SHA512: md = p_EVP_sha512(); pss = 0; break;
        default: {
            char text[96];
            snprintf(text, sizeof text, "phalanx_rsa: unsupported signature algorithm 0x%04x", (unsigned) algorithm);
            throw_error(env, "java/lang/UnsupportedOperationException", text);
            return NULL;
        }
    }
    EVP_PKEY *key = (EVP_PKEY *) (intptr_t) handle;
    jsize n = (*env)->GetArrayLength(env, input);
    unsigned char small[1024];
    unsigned char *in = n <= (jsize) sizeof small ? small : malloc((size_t) n);
    if (in == NULL) {
        throw_error(env, "java/lang/OutOfMemoryError", "phalanx_rsa: input buffer");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, input, 0, n, (jbyte *) in);

    unsigned char sig[MAX_SIGNATURE];
    size_t sig_len = sizeof sig;
    int ok = 0;
    p_ERR_clear_error();
    EVP_MD_CTX *ctx = p_EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (ctx != NULL && p_EVP_DigestSignInit(ctx, &pctx, md, NULL, key) == 1) {
        if (pss) {
            /* MGF1 uses the signing digest by default; salt length = digest length (RFC 8446 4.2.3) */
            ok = p_EVP_PKEY_CTX_set_rsa_padding(pctx, PHX_RSA_PKCS1_PSS_PADDING) > 0
                 && p_EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, PHX_RSA_PSS_SALTLEN_DIGEST) > 0;
        } else {
            ok = p_EVP_PKEY_CTX_set_rsa_padding(pctx, PHX_RSA_PKCS1_PADDING) > 0;
        }
        ok = ok && p_EVP_DigestSign(ctx, sig, &sig_len, in, (size_t) n) == 1;
    }
    if (ctx != NULL) {
        p_EVP_MD_CTX_free(ctx);
    }
    if (in != small) {
        free(in);
    }
    if (!ok) {
        throw_error(env, "java/security/SignatureException", "libcrypto could not sign");
        return NULL;
    }
    jbyteArray out = (*env)->NewByteArray(env, (jsize) sig_len);
    if (out != NULL) {
        (*env)->SetByteArrayRegion(env, out, 0, (jsize) sig_len, (const jbyte *) sig);
    }
    return out;
}
