extern "C" __global__ void rmsNormRows(long long *_kernel_context, unsigned char *_constant_region, unsigned char *_local_region, int *_atomics, unsigned char *x, unsigned char *w, int wOff, unsigned char *out, int n, float eps)
{
  float f_36, f_35, f_38, f_37, f_32, f_31, f_34, f_33, f_28, f_27, f_30, f_24, f_23, f_26, f_25, f_52, f_51, f_54, f_49, f_39, f_68, f_67, f_70, f_69, f_64, f_65, f_62, f_20, f_19, f_83, f_22, f_86, f_21, f_85, f_16, f_15, f_77, f_8; 
  bool b_18, b_40, b_61; 
  unsigned long long ul_76, ul_1, ul_2, ul_82, ul_84, ul_14, ul_0; 
  int i_41, i_42, i_43, i_44, i_29, i_57, i_58, i_59, i_60, i_53, i_55, i_56, i_50, i_45, i_46, i_47, i_48, i_9, i_10, i_5, i_6, i_7, i_71, i_72, i_66, i_4, i_63, i_87, i_17, i_78, i_79; 
  long long l_80, l_81, l_12, l_13, l_74, l_11, l_75, l_73; 

  // BLOCK 0
  ul_0  =  (unsigned long long) x;
  ul_1  =  (unsigned long long) w;
  ul_2  =  (unsigned long long) out;
  __shared__ float adf_3[1024];
  i_4  =  (blockDim.x);
  i_5  =  (blockIdx.x);
  i_6  =  i_5 << 6;
  i_7  =  (threadIdx.x);
  // BLOCK 1 MERGES [0 2 ]
  f_8  =  0.0F;
  i_9  =  i_7;
  for(;i_9 < 64;)
  {
    // BLOCK 2
    i_10  =  i_6 + i_9;
    l_11  =  (long long) i_10;
    l_12  =  l_11 + 4L;
    l_13  =  l_12 << 2;
    ul_14  =  ul_0 + l_13;
    f_15  =  *(( float *) ul_14);
    f_16  =  fma(f_15, f_15, f_8);
    i_17  =  i_4 + i_9;
    f_8  =  f_16;
    i_9  =  i_17;
  }  // B1
  // BLOCK 3
  __syncthreads();
  b_18  =  (i_4 & 31) == 0;
  if(b_18)
  {
    // BLOCK 4
    f_19  =  __shfl_xor_sync(0xffffffff, 1.0F, 16);
    f_20  =  1.0F + f_19;
    f_21  =  __shfl_xor_sync(0xffffffff, f_20, 8);
    f_22  =  f_20 + f_21;
    f_23  =  __shfl_xor_sync(0xffffffff, f_22, 4);
    f_24  =  f_22 + f_23;
    f_25  =  __shfl_xor_sync(0xffffffff, f_24, 2);
    f_26  =  f_24 + f_25;
    f_27  =  __shfl_xor_sync(0xffffffff, f_26, 1);
    f_28  =  f_26 + f_27;
    i_29  =  ((f_28) == (32.0F));
    if(i_29 == 1)
    {
      // BLOCK 5
      f_30  =  __shfl_xor_sync(0xffffffff, f_8, 16);
      f_31  =  f_8 + f_30;
      f_32  =  __shfl_xor_sync(0xffffffff, f_31, 8);
      f_33  =  f_31 + f_32;
      f_34  =  __shfl_xor_sync(0xffffffff, f_33, 4);
      f_35  =  f_33 + f_34;
      f_36  =  __shfl_xor_sync(0xffffffff, f_35, 2);
      f_37  =  f_35 + f_36;
      f_38  =  __shfl_xor_sync(0xffffffff, f_37, 1);
      f_39  =  f_37 + f_38;
      b_40  =  (i_7 & 31) == 0;
      if(b_40)
      {
        // BLOCK 6
        i_41  =  i_7 >> 31;
        i_42  =  i_41 >> 27;
        i_43  =  i_42 + i_7;
        i_44  =  i_43 >> 5;
        adf_3[i_44]  =  f_39;
      }  // B5
      else
      {
        // BLOCK 7
      }  // B5
      // BLOCK 8 MERGES [7 6 ]
      __syncthreads();
      i_45  =  i_4 >> 31;
      i_46  =  i_45 >> 27;
      i_47  =  i_46 + i_4;
      i_48  =  i_47 >> 5;
      // BLOCK 9 MERGES [8 10 ]
      f_49  =  0.0F;
      i_50  =  0;
      for(;i_50 < i_48;)
      {
        // BLOCK 10
        f_51  =  adf_3[i_50];
        f_52  =  f_49 + f_51;
        i_53  =  i_50 + 1;
        f_49  =  f_52;
        i_50  =  i_53;
      }  // B9
      // BLOCK 11
      f_54  =  f_49;
      // BLOCK 21 MERGES [11 20 ]
      f_68  =  f_54 / 64.0F;
      f_69  =  f_68 + 1.0E-5F;
      f_70  =  rsqrt(f_69);
      // BLOCK 22 MERGES [21 23 ]
      i_71  =  i_7;
      for(;i_71 < 64;)
      {
        // BLOCK 23
        i_72  =  i_71 + i_6;
        l_73  =  (long long) i_72;
        l_74  =  l_73 + 4L;
        l_75  =  l_74 << 2;
        ul_76  =  ul_0 + l_75;
        f_77  =  *(( float *) ul_76);
        i_78  =  i_71 + 1024;
        i_79  =  i_78 + 4;
        l_80  =  (long long) i_79;
        l_81  =  l_80 << 2;
        ul_82  =  ul_1 + l_81;
        f_83  =  *(( float *) ul_82);
        ul_84  =  ul_2 + l_75;
        f_85  =  f_70 * f_77;
        f_86  =  f_85 * f_83;
        *(( float *) ul_84)  =  f_86;
        i_87  =  i_71 + i_4;
        i_71  =  i_87;
      }  // B22
      // BLOCK 24
      return;
    }  // B4
    else
    {
      // BLOCK 12
    }  // B4
  }  // B3
  else
  {
    // BLOCK 13
  }  // B3
  // BLOCK 14 MERGES [12 13 ]
  adf_3[i_7]  =  f_8;
  // BLOCK 15 MERGES [14 19 ]
  i_55  =  i_4;
  for(;i_55 >= 2;)
  {
    // BLOCK 16
    __syncthreads();
    i_56  =  i_55 + 1;
    i_57  =  i_56 >> 31;
    i_58  =  i_57 + i_56;
    i_59  =  i_58 >> 1;
    i_60  =  i_55 - i_59;
    b_61  =  i_7 < i_60;
    if(b_61)
    {
      // BLOCK 17
      f_62  =  adf_3[i_7];
      i_63  =  i_59 + i_7;
      f_64  =  adf_3[i_63];
      f_65  =  f_62 + f_64;
      adf_3[i_7]  =  f_65;
    }  // B16
    else
    {
      // BLOCK 18
    }  // B16
    // BLOCK 19 MERGES [18 17 ]
    i_66  =  i_59;
    i_55  =  i_66;
  }  // B15
  // BLOCK 20
  __syncthreads();
  f_67  =  adf_3[0];
  f_54  =  f_67;
  // BLOCK 21 MERGES [11 20 ]
  f_68  =  f_54 / 64.0F;
  f_69  =  f_68 + 1.0E-5F;
  f_70  =  rsqrt(f_69);
  // BLOCK 22 MERGES [21 23 ]
  i_71  =  i_7;
  for(;i_71 < 64;)
  {
    // BLOCK 23
    i_72  =  i_71 + i_6;
    l_73  =  (long long) i_72;
    l_74  =  l_73 + 4L;
    l_75  =  l_74 << 2;
    ul_76  =  ul_0 + l_75;
    f_77  =  *(( float *) ul_76);
    i_78  =  i_71 + 1024;
    i_79  =  i_78 + 4;
    l_80  =  (long long) i_79;
    l_81  =  l_80 << 2;
    ul_82  =  ul_1 + l_81;
    f_83  =  *(( float *) ul_82);
    ul_84  =  ul_2 + l_75;
    f_85  =  f_70 * f_77;
    f_86  =  f_85 * f_83;
    *(( float *) ul_84)  =  f_86;
    i_87  =  i_71 + i_4;
    i_71  =  i_87;
  }  // B22
  // BLOCK 24
  return;
}  //  kernel

