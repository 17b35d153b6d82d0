// Times the AVX2 int8 product (rk_q8_gemm) alone on one bert-base layer's shapes with M rows, on one
// thread or two splitting the panels as the engine does. Weights come from COPIES (default 24) packed
// copies in turn, so they stream from memory as in a forward pass (COPIES=1 keeps them in cache).
//   kbench [rows=128] [threads=1] [repetitions=50]; prints the best and mean time of each product.
#include "Int8Kernels.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
typedef struct { size_t m,k,n; int16_t *q; float *rs; int8_t *w; float *sc; float *out; size_t first,last; } job;
static void *run(void *p){ job *j=p; rk_q8_gemm(RK_Q8_AVX2,j->m,j->k,j->q,rk_q8_padded_inputs(j->k),j->rs,j->w,j->sc,j->first,j->last,j->out,j->n); return 0;}
int main(int argc,char**argv){
  size_t m = argc>1? atoi(argv[1]):128; int threads = argc>2? atoi(argv[2]):1; int reps = argc>3?atoi(argv[3]):50;
  size_t shapes[3][2]={{768,768},{768,3072},{3072,768}};
  double totmac=0, tott=0;
  for(int s=0;s<3;s++){
    size_t k=shapes[s][0], n=shapes[s][1], kp=rk_q8_padded_inputs(k);
    // 24 copies of the weight so each repetition streams from memory like a real forward pass.
    int copies= getenv("COPIES")? atoi(getenv("COPIES")):24;
    float *wf=malloc(n*k*4); for(size_t i=0;i<n*k;i++) wf[i]=(rand()%2001-1000)/1000.f;
    int8_t *w[24]; float *sc=malloc(n*4);
    for(int c=0;c<copies;c++){ w[c]=aligned_alloc(64,n*kp); rk_q8_pack(wf,n,k,w[c],sc);}
    float *x=malloc(m*k*4); for(size_t i=0;i<m*k;i++) x[i]=(rand()%2001-1000)/1000.f;
    int16_t *q=aligned_alloc(64,m*kp*2+64); float *rs=malloc(m*4);
    for(size_t i=0;i<m;i++) rs[i]=rk_q8_quantize_row(RK_Q8_AVX2,x+i*k,k,q+i*kp);
    float *out=aligned_alloc(64,m*n*4);
    double best=1e9, sum=0;
    for(int r=0;r<reps;r++){
      job j[2]; pthread_t t[2];
      double t0=now();
      for(int h=0;h<threads;h++){ j[h]=(job){m,k,n,q,rs,w[r%copies],sc,out,n/16*h/threads,n/16*(h+1)/threads}; if(threads>1) pthread_create(&t[h],0,run,&j[h]); else run(&j[h]); }
      if(threads>1) for(int h=0;h<threads;h++) pthread_join(t[h],0);
      double dt=now()-t0; sum+=dt; if(dt<best) best=dt;
    }
    double mac=(double)m*k*n;
    printf("M=%zu K=%zu N=%zu threads=%d: best %.3f ms (%.1f GMAC/s), mean %.3f ms (%.1f GMAC/s)\n",m,k,n,threads,best*1e3,mac/best/1e9,sum/reps*1e3,mac/(sum/reps)/1e9);
    totmac+=mac*(s==0?4:1); tott+=sum/reps*(s==0?4:1);
  }
  printf("layer (4x768x768 + 768x3072 + 3072x768): %.3f ms, %.1f GMAC/s\n", tott*1e3, totmac/tott/1e9);
}
