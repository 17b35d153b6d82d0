// Per-core throughput ceilings of the multiply instructions the products use, in GMAC/s (wall clock,
// turbo included): vpmaddwd + vpaddd (our AVX2 int8 kernel), vpmaddubsw + vpmaddwd(ones) + vpaddd (the
// u8 x s8 scheme ONNX Runtime's AVX2 kernel uses), the same with two byte steps summed in int16 before
// widening, vfmadd231ps (fp32), and our kernel's whole k-pair step
// with int8 weights widened in the loop (vpmovsxbw) and with weights stored pre-widened to int16.
// Inline assembly with 6 to 12 independent accumulators, so nothing can be hoisted or folded.
//   bash Benchmarks/Int8/run.sh     (builds, checks the loops with objdump, runs on one core then both)
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <immintrin.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define N 100000000L
// 6 independent (vpmaddwd -> vpaddd) chains per iteration: 6*16 = 96 MAC
static double madd(long n){ double t=now();
 __asm__ volatile(
 "vpxor %%ymm0,%%ymm0,%%ymm0\n vpxor %%ymm1,%%ymm1,%%ymm1\n vpxor %%ymm2,%%ymm2,%%ymm2\n vpxor %%ymm3,%%ymm3,%%ymm3\n vpxor %%ymm4,%%ymm4,%%ymm4\n vpxor %%ymm5,%%ymm5,%%ymm5\n"
 "vpcmpeqd %%ymm14,%%ymm14,%%ymm14\n vpcmpeqd %%ymm15,%%ymm15,%%ymm15\n"
 "1:\n"
 "vpmaddwd %%ymm14,%%ymm15,%%ymm6\n vpaddd %%ymm6,%%ymm0,%%ymm0\n"
 "vpmaddwd %%ymm14,%%ymm15,%%ymm7\n vpaddd %%ymm7,%%ymm1,%%ymm1\n"
 "vpmaddwd %%ymm14,%%ymm15,%%ymm8\n vpaddd %%ymm8,%%ymm2,%%ymm2\n"
 "vpmaddwd %%ymm14,%%ymm15,%%ymm9\n vpaddd %%ymm9,%%ymm3,%%ymm3\n"
 "vpmaddwd %%ymm14,%%ymm15,%%ymm10\n vpaddd %%ymm10,%%ymm4,%%ymm4\n"
 "vpmaddwd %%ymm14,%%ymm15,%%ymm11\n vpaddd %%ymm11,%%ymm5,%%ymm5\n"
 "dec %0\n jnz 1b\n" : "+r"(n) :: "memory","ymm0","ymm1","ymm2","ymm3","ymm4","ymm5","ymm6","ymm7","ymm8","ymm9","ymm10","ymm11","ymm14","ymm15");
 return now()-t;}
// 6 chains of (vpmaddubsw -> vpmaddwd ones -> vpaddd): 6*32 = 192 MAC
static double maddubs(long n){ double t=now();
 __asm__ volatile(
 "vpxor %%ymm0,%%ymm0,%%ymm0\n vpxor %%ymm1,%%ymm1,%%ymm1\n vpxor %%ymm2,%%ymm2,%%ymm2\n vpxor %%ymm3,%%ymm3,%%ymm3\n vpxor %%ymm4,%%ymm4,%%ymm4\n vpxor %%ymm5,%%ymm5,%%ymm5\n"
 "vpcmpeqd %%ymm13,%%ymm13,%%ymm13\n vpcmpeqd %%ymm14,%%ymm14,%%ymm14\n vpcmpeqd %%ymm15,%%ymm15,%%ymm15\n"
 "1:\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm6\n vpmaddwd %%ymm6,%%ymm13,%%ymm6\n vpaddd %%ymm6,%%ymm0,%%ymm0\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm7\n vpmaddwd %%ymm7,%%ymm13,%%ymm7\n vpaddd %%ymm7,%%ymm1,%%ymm1\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm8\n vpmaddwd %%ymm8,%%ymm13,%%ymm8\n vpaddd %%ymm8,%%ymm2,%%ymm2\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm9\n vpmaddwd %%ymm9,%%ymm13,%%ymm9\n vpaddd %%ymm9,%%ymm3,%%ymm3\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm10\n vpmaddwd %%ymm10,%%ymm13,%%ymm10\n vpaddd %%ymm10,%%ymm4,%%ymm4\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm11\n vpmaddwd %%ymm11,%%ymm13,%%ymm11\n vpaddd %%ymm11,%%ymm5,%%ymm5\n"
 "dec %0\n jnz 1b\n" : "+r"(n) :: "memory","ymm0","ymm1","ymm2","ymm3","ymm4","ymm5","ymm6","ymm7","ymm8","ymm9","ymm10","ymm11","ymm13","ymm14","ymm15");
 return now()-t;}
// 4 chains of (2 vpmaddubsw -> vpaddw -> vpmaddwd ones -> vpaddd): two byte steps summed in int16, widened
// once; 4*64 = 256 MAC. Exact only while each int16 lane's four products stay within ±32,767, i.e. the
// four weights' magnitudes sum to at most 128 against uint8 codes (our ±63 weights do not guarantee it).
static double maddubs2(long n){ double t=now();
 __asm__ volatile(
 "vpxor %%ymm0,%%ymm0,%%ymm0\n vpxor %%ymm1,%%ymm1,%%ymm1\n vpxor %%ymm2,%%ymm2,%%ymm2\n vpxor %%ymm3,%%ymm3,%%ymm3\n"
 "vpcmpeqd %%ymm13,%%ymm13,%%ymm13\n vpcmpeqd %%ymm14,%%ymm14,%%ymm14\n vpcmpeqd %%ymm15,%%ymm15,%%ymm15\n"
 "1:\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm4\n vpmaddubsw %%ymm15,%%ymm14,%%ymm5\n vpaddw %%ymm4,%%ymm5,%%ymm4\n vpmaddwd %%ymm4,%%ymm13,%%ymm4\n vpaddd %%ymm4,%%ymm0,%%ymm0\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm6\n vpmaddubsw %%ymm15,%%ymm14,%%ymm7\n vpaddw %%ymm6,%%ymm7,%%ymm6\n vpmaddwd %%ymm6,%%ymm13,%%ymm6\n vpaddd %%ymm6,%%ymm1,%%ymm1\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm8\n vpmaddubsw %%ymm15,%%ymm14,%%ymm9\n vpaddw %%ymm8,%%ymm9,%%ymm8\n vpmaddwd %%ymm8,%%ymm13,%%ymm8\n vpaddd %%ymm8,%%ymm2,%%ymm2\n"
 "vpmaddubsw %%ymm14,%%ymm15,%%ymm10\n vpmaddubsw %%ymm15,%%ymm14,%%ymm11\n vpaddw %%ymm10,%%ymm11,%%ymm10\n vpmaddwd %%ymm10,%%ymm13,%%ymm10\n vpaddd %%ymm10,%%ymm3,%%ymm3\n"
 "dec %0\n jnz 1b\n" : "+r"(n) :: "memory","ymm0","ymm1","ymm2","ymm3","ymm4","ymm5","ymm6","ymm7","ymm8","ymm9","ymm10","ymm11","ymm13","ymm14","ymm15");
 return now()-t;}
// 12 independent vfmadd231ps chains: 12*8 = 96 MAC
static double fma(long n){ double t=now();
 __asm__ volatile(
 "vxorps %%ymm0,%%ymm0,%%ymm0\n vxorps %%ymm1,%%ymm1,%%ymm1\n vxorps %%ymm2,%%ymm2,%%ymm2\n vxorps %%ymm3,%%ymm3,%%ymm3\n vxorps %%ymm4,%%ymm4,%%ymm4\n vxorps %%ymm5,%%ymm5,%%ymm5\n"
 "vxorps %%ymm6,%%ymm6,%%ymm6\n vxorps %%ymm7,%%ymm7,%%ymm7\n vxorps %%ymm8,%%ymm8,%%ymm8\n vxorps %%ymm9,%%ymm9,%%ymm9\n vxorps %%ymm10,%%ymm10,%%ymm10\n vxorps %%ymm11,%%ymm11,%%ymm11\n"
 "vxorps %%ymm14,%%ymm14,%%ymm14\n vxorps %%ymm15,%%ymm15,%%ymm15\n"
 "1:\n"
 "vfmadd231ps %%ymm14,%%ymm15,%%ymm0\n vfmadd231ps %%ymm14,%%ymm15,%%ymm1\n vfmadd231ps %%ymm14,%%ymm15,%%ymm2\n vfmadd231ps %%ymm14,%%ymm15,%%ymm3\n"
 "vfmadd231ps %%ymm14,%%ymm15,%%ymm4\n vfmadd231ps %%ymm14,%%ymm15,%%ymm5\n vfmadd231ps %%ymm14,%%ymm15,%%ymm6\n vfmadd231ps %%ymm14,%%ymm15,%%ymm7\n"
 "vfmadd231ps %%ymm14,%%ymm15,%%ymm8\n vfmadd231ps %%ymm14,%%ymm15,%%ymm9\n vfmadd231ps %%ymm14,%%ymm15,%%ymm10\n vfmadd231ps %%ymm14,%%ymm15,%%ymm11\n"
 "dec %0\n jnz 1b\n" : "+r"(n) :: "memory","ymm0","ymm1","ymm2","ymm3","ymm4","ymm5","ymm6","ymm7","ymm8","ymm9","ymm10","ymm11","ymm14","ymm15");
 return now()-t;}
// The current AVX2 kernel's k-pair step: 2 vpmovsxbw loads, 6 vpbroadcastd loads, 12 vpmaddwd + 12 vpaddd
// (192 MAC), memory in L1 (same addresses each iteration).
static double kstep(long n, const void *w, const void *a){ double t=now();
 __asm__ volatile(
 "vpxor %%ymm0,%%ymm0,%%ymm0\n vpxor %%ymm1,%%ymm1,%%ymm1\n vpxor %%ymm2,%%ymm2,%%ymm2\n vpxor %%ymm3,%%ymm3,%%ymm3\n vpxor %%ymm4,%%ymm4,%%ymm4\n vpxor %%ymm5,%%ymm5,%%ymm5\n"
 "vpxor %%ymm6,%%ymm6,%%ymm6\n vpxor %%ymm7,%%ymm7,%%ymm7\n vpxor %%ymm8,%%ymm8,%%ymm8\n vpxor %%ymm9,%%ymm9,%%ymm9\n vpxor %%ymm10,%%ymm10,%%ymm10\n vpxor %%ymm11,%%ymm11,%%ymm11\n"
 "1:\n"
 "vpmovsxbw (%1),%%ymm12\n vpmovsxbw 16(%1),%%ymm13\n"
 "vpbroadcastd (%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm0,%%ymm0\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm1,%%ymm1\n"
 "vpbroadcastd 64(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm2,%%ymm2\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm3,%%ymm3\n"
 "vpbroadcastd 128(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm4,%%ymm4\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm5,%%ymm5\n"
 "vpbroadcastd 192(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm6,%%ymm6\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm7,%%ymm7\n"
 "vpbroadcastd 256(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm8,%%ymm8\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm9,%%ymm9\n"
 "vpbroadcastd 320(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm10,%%ymm10\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm11,%%ymm11\n"
 "dec %0\n jnz 1b\n" : "+r"(n) : "r"(w),"r"(a) : "memory","ymm0","ymm1","ymm2","ymm3","ymm4","ymm5","ymm6","ymm7","ymm8","ymm9","ymm10","ymm11","ymm12","ymm13","ymm14","ymm15");
 return now()-t;}
// Same step with int16 weights already widened (vpmaddwd with a memory operand, no vpmovsxbw).
static double kstep16(long n, const void *w, const void *a){ double t=now();
 __asm__ volatile(
 "vpxor %%ymm0,%%ymm0,%%ymm0\n vpxor %%ymm1,%%ymm1,%%ymm1\n vpxor %%ymm2,%%ymm2,%%ymm2\n vpxor %%ymm3,%%ymm3,%%ymm3\n vpxor %%ymm4,%%ymm4,%%ymm4\n vpxor %%ymm5,%%ymm5,%%ymm5\n"
 "vpxor %%ymm6,%%ymm6,%%ymm6\n vpxor %%ymm7,%%ymm7,%%ymm7\n vpxor %%ymm8,%%ymm8,%%ymm8\n vpxor %%ymm9,%%ymm9,%%ymm9\n vpxor %%ymm10,%%ymm10,%%ymm10\n vpxor %%ymm11,%%ymm11,%%ymm11\n"
 "1:\n"
 "vmovdqu (%1),%%ymm12\n vmovdqu 32(%1),%%ymm13\n"
 "vpbroadcastd (%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm0,%%ymm0\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm1,%%ymm1\n"
 "vpbroadcastd 64(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm2,%%ymm2\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm3,%%ymm3\n"
 "vpbroadcastd 128(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm4,%%ymm4\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm5,%%ymm5\n"
 "vpbroadcastd 192(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm6,%%ymm6\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm7,%%ymm7\n"
 "vpbroadcastd 256(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm8,%%ymm8\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm9,%%ymm9\n"
 "vpbroadcastd 320(%2),%%ymm14\n vpmaddwd %%ymm14,%%ymm12,%%ymm15\n vpaddd %%ymm15,%%ymm10,%%ymm10\n vpmaddwd %%ymm14,%%ymm13,%%ymm15\n vpaddd %%ymm15,%%ymm11,%%ymm11\n"
 "dec %0\n jnz 1b\n" : "+r"(n) : "r"(w),"r"(a) : "memory","ymm0","ymm1","ymm2","ymm3","ymm4","ymm5","ymm6","ymm7","ymm8","ymm9","ymm10","ymm11","ymm12","ymm13","ymm14","ymm15");
 return now()-t;}
int main(void){
 static int8_t w[4096] __attribute__((aligned(64))); static int16_t a[4096] __attribute__((aligned(64)));
 for(int r=0;r<3;r++){
 double t;
 t=madd(N);    printf("vpmaddwd+vpaddd          %6.1f GMAC/s  %.2f instr-pairs/ns\n", N*96/t/1e9, N*6/t/1e9);
 t=maddubs(N); printf("vpmaddubsw+vpmaddwd+vpaddd %6.1f GMAC/s\n", N*192/t/1e9);
 t=maddubs2(N); printf("2 vpmaddubsw+vpaddw+vpmaddwd+vpaddd %6.1f GMAC/s\n", N*256/t/1e9);
 t=fma(N);     printf("vfmadd231ps              %6.1f GMAC/s  %.2f fma/ns\n", N*96/t/1e9, N*12/t/1e9);
 t=kstep(N,w,a);  printf("kernel step (vpmovsxbw)  %6.1f GMAC/s\n", N*192/t/1e9);
 t=kstep16(N,w,a);printf("kernel step (int16 w)    %6.1f GMAC/s\n", N*192/t/1e9);
 }
}
