# node-gyp build of the same products as CMakeLists.txt (cmake-js is
# the default; see README). Run scripts/provision-*.sh first.
{
  "variables": {
    "tf_dir": "<(module_root_dir)/deps/libtensorflow",
    "tf_defines": [
      "NDEBUG", "NDEBUG_SANITIZER", "_GLIBCXX_USE_CXX11_ABI=1", "EIGEN_MAX_ALIGN_BYTES=64",
      "TF_MAJOR_VERSION=2", "TF_MINOR_VERSION=21", "TF_PATCH_VERSION=0",
      "TF_VERSION_SUFFIX=\"\""
    ],
    "multiarch": "<!(gcc -print-multiarch)",
    "napi_defines": [
      "NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS",
      "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
    ],
    "guard_defines": [
      "TFSRP_LIBTENSORFLOW_LIB_DIR=\"<(module_root_dir)/deps/libtensorflow/lib\"",
      "TFSRP_TF_VERSION=\"2.21.0\""
    ]
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-deprecated-declarations"],
    "cflags": ["-fPIC"]
  },
  "targets": [
    {
      "target_name": "tfsrp_grpc_transport",
      "type": "shared_library",
      "product_prefix": "lib",
      "sources": ["cpp/transport/grpc_transport.cc"],
      "ldflags": [
        "-Wl,--exclude-libs,ALL",
        "-Wl,--version-script=<(module_root_dir)/cpp/transport/grpc_transport.map",
        "-Wl,-Bsymbolic", "-Wl,-z,defs"
      ],
      "libraries": [
        "-Wl,--start-group",
        "/usr/lib/<(multiarch)/libgrpc++.a", "/usr/lib/<(multiarch)/libgrpc.a",
        "/usr/lib/<(multiarch)/libgpr.a", "/usr/lib/<(multiarch)/libupb.a",
        "/usr/lib/<(multiarch)/libaddress_sorting.a", "/usr/lib/<(multiarch)/libssl.a",
        "/usr/lib/<(multiarch)/libcrypto.a", "/usr/lib/<(multiarch)/libz.a",
        "/usr/lib/<(multiarch)/libcares.a",
        "-Wl,--end-group",
        "<!@(pkg-config --libs-only-l grpc++ | tr ' ' '\\n' | grep -- '-labsl_' | sort -u)",
        "-lre2", "-ldl", "-lrt", "-pthread"
      ]
    },
    {
      "target_name": "tfserving_remote_predict_op",
      "type": "shared_library",
      "product_prefix": "lib",
      "dependencies": ["tfsrp_grpc_transport"],
      "sources": [
        "cpp/codec/tensor_encoding.cc",
        "cpp/codec/chunked_bytes.cc",
        "cpp/codec/large_tensor_allocator.cc",
        "cpp/codec/predict_request_encoder.cc",
        "cpp/codec/predict_response_decoder.cc",
        "cpp/codec/received_tensor.cc",
        "cpp/kernel/call_cancellation.cc",
        "cpp/kernel/channel_options.cc",
        "cpp/kernel/remote_predict_attributes.cc",
        "cpp/kernel/remote_predict_io.cc",
        "cpp/kernel/remote_predict_op_def.cc",
        "cpp/kernel/remote_predict_kernel_registration.cc",
        "cpp/kernel/tensor_encoding_c_api.cc",
        "cpp/kernel/target_channel_c_api.cc",
        "cpp/kernel/target_metadata.cc",
        "cpp/kernel/target_overrides.cc",
        "cpp/kernel/target_overrides_c_api.cc",
        "cpp/kernel/tls_credentials_registry.cc",
        "cpp/kernel/tls_credentials_c_api.cc",
        "cpp/stubs/call_options.cc",
        "cpp/stubs/grpc_prediction_service_stub.cc",
        "cpp/stubs/in_process_prediction_service_stub.cc",
        "cpp/stubs/in_process_registry.cc",
        "cpp/stubs/routing_prediction_service_stub.cc",
        "cpp/savedmodel/compiled_graph.cc",
        "cpp/savedmodel/compute_pool.cc",
        "cpp/savedmodel/deadline_timer.cc",
        "cpp/savedmodel/executor_cache.cc",
        "cpp/savedmodel/in_process_serving_c_api.cc",
        "cpp/savedmodel/model_restore.cc",
        "cpp/savedmodel/model_runtime.cc",
        "cpp/savedmodel/predict_signature.cc",
        "cpp/savedmodel/remote_predict_target_rewrite.cc",
        "cpp/savedmodel/saved_model.cc",
        "cpp/savedmodel/saved_model_reader.cc",
        "cpp/savedmodel/saved_model_run.cc",
        "cpp/savedmodel/saved_model_servable.cc",
        "cpp/savedmodel/signatures.cc"
      ],
      "include_dirs": ["<(module_root_dir)", "<(tf_dir)/include"],
      "defines": ["<@(tf_defines)"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,<(tf_dir)/lib", "-Wl,--enable-new-dtags"],
      "libraries": ["<(tf_dir)/lib/libtensorflow_framework.so.2"]
    },
    {
      "target_name": "tfserving_remote_predict",
      "dependencies": ["tfserving_remote_predict_op"],
      "sources": [
        "cpp/addon/addon.cc",
        "cpp/addon/tensorflow_runtime.cc",
        "cpp/addon/background_release.cc",
        "cpp/addon/js_completions.cc",
        "cpp/addon/js_tensors.cc",
        "cpp/codec/large_tensor_allocator.cc",
        "cpp/addon/property_keys.cc",
        "cpp/addon/op_library.cc",
        "cpp/addon/call_results.cc",
        "cpp/addon/predict_binding.cc",
        "cpp/addon/start_queue.cc",
        "cpp/guard/foreign_tensorflow.cc",
        "cpp/direct/remote_predict_kernel_cache.cc",
        "cpp/direct/remote_predict_call.cc"
      ],
      "include_dirs": [
        "<(module_root_dir)", "<(tf_dir)/include",
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["<@(tf_defines)", "<@(guard_defines)", "<@(napi_defines)"],
      "ldflags": ["-Wl,-rpath,<(tf_dir)/lib", "-Wl,--enable-new-dtags", "-Wl,-z,nodelete"],
      "libraries": ["<(tf_dir)/lib/libtensorflow_framework.so.2", "-ldl"]
    },
    {
      "target_name": "tfsrp_saved_model",
      "dependencies": ["tfserving_remote_predict", "tfserving_remote_predict_op"],
      "sources": [
        "cpp/addon/saved_model_addon.cc",
        "cpp/addon/saved_model_binding.cc",
        "cpp/addon/background_release.cc",
        "cpp/addon/js_completions.cc",
        "cpp/addon/js_tensors.cc",
        "cpp/codec/large_tensor_allocator.cc",
        "cpp/addon/property_keys.cc",
        "cpp/addon/op_library.cc"
      ],
      "include_dirs": [
        "<(module_root_dir)", "<(tf_dir)/include",
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["<@(tf_defines)", "<@(napi_defines)"],
      "ldflags": [
        "-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,<(tf_dir)/lib", "-Wl,--enable-new-dtags",
        "-Wl,--no-as-needed", "-Wl,-z,nodelete"
      ],
      "libraries": [
        "<(PRODUCT_DIR)/libtfserving_remote_predict_op.so",
        "<(tf_dir)/lib/libtensorflow_cc.so.2",
        "<(tf_dir)/lib/libtensorflow_framework.so.2",
        "-ldl"
      ]
    },
    {
      "target_name": "tfsrp_tensorflow_guard",
      "sources": ["cpp/guard/guard_module.cc", "cpp/guard/foreign_tensorflow.cc"],
      "include_dirs": ["<(module_root_dir)", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["<@(guard_defines)", "NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "libraries": ["-ldl"]
    }
  ]
}
